package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.S3Server;
import dev.keel.testkit.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel run with an {@code s3://} source path: each partition's object is loaded exactly; a missing
 * object fails its partition at once (no retries: 404 is permanent), naming bucket and key.
 */
class S3SourcePipelineTest {
  @TempDir Path dir;

  @Test
  void partitions_load_from_s3_objects_and_a_missing_key_fails_permanently() throws IOException {
    TestDatabase.reset();
    S3Server s3 = S3Server.shared().useInThisJvm();
    s3.createBucket("pipeline-src");
    StringBuilder a = new StringBuilder("id,amount\n");
    for (int i = 1; i <= 500; i++) {
      a.append(i).append(',').append(i).append(".10\n");
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(a.toString().getBytes(StandardCharsets.UTF_8));
    }
    s3.put("pipeline-src", "orders/a.csv.gz", gz.toByteArray());
    Path p = dir.resolve("p.yaml");
    Files.writeString(
        p,
        """
        name: s3orders
        partitions: { values: [a, missing] }
        source: { csv: { path: "s3://pipeline-src/orders/${partition}.csv.gz" } }
        columns: { id: bigint, amount: "numeric(12,2)" }
        sink: { postgres: { key: [id], table: s3orders } }
        retry: { attempts: 3, backoff: 100ms }
        """);

    Cli run = Cli.runPipeline(p);

    assertThat(run.exit()).as(run.toString()).isEqualTo(1);
    assertThat(run.out() + run.err())
        .contains("s3://pipeline-src/orders/missing.csv.gz")
        .contains("no such key")
        .doesNotContain(S3Server.SECRET_KEY);
    assertThat(TestDatabase.value("SELECT count(*) || ' ' || sum(amount) FROM public.s3orders"))
        .isEqualTo("500 " + (500 * 501 / 2 + 50) + ".00");
    assertThat(
            TestDatabase.count(
                "SELECT count(*) FROM keel.task_attempt a JOIN keel.task t ON t.id = a.task_id"
                    + " WHERE t.partition = 'missing'"))
        .as("a 404 is permanent: one attempt, no retries")
        .isEqualTo(1);
  }
}
