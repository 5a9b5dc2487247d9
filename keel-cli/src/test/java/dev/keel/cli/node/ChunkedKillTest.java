package dev.keel.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the node holding a chunked ({@code commit: chunk}) 1,000,000-row partition
 * after it has committed some chunks: the other node resumes after the last checkpoint, reads only
 * the records after it, and the target (append: a record published twice would show) equals a clean
 * run.
 */
@Tag("slow")
class ChunkedKillTest {
  static final String PIPELINE = "chunk_kill";
  static final String PARTITION = "p01";
  static final int ROWS = 1_000_000;
  static final int CHUNK_ROWS = 50_000;

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();
  LocalCluster cluster;

  /**
   * Every 100,000th record (from the 12,345th) has an amount that is not a number: 10 rejected
   * rows.
   */
  static boolean bad(int i) {
    return i % 100_000 == 12_345;
  }

  static String line(int i) {
    long id = 1_000_000_000L + i;
    // a quoted field with a comma and one with a newline now and then: character positions must
    // stay exact
    String v = i % 1000 == 0 ? "\"v" + i + ",x\"" : i % 1001 == 0 ? "\"v" + i + "\ny\"" : "v" + i;
    return id
        + ","
        + v
        + ","
        + (bad(i) ? "bad" : (i % 100_000) + "." + String.format("%02d", i % 100));
  }

  /**
   * The value of {@link #CHECKSUM_SQL} over exactly the good records, computed here (a clean run's
   * target).
   */
  static String expectedChecksum() throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    boolean first = true;
    for (int i = 0; i < ROWS; i++) {
      if (bad(i)) {
        continue;
      }
      long id = 1_000_000_000L + i;
      String v = i % 1000 == 0 ? "v" + i + ",x" : i % 1001 == 0 ? "v" + i + "\ny" : "v" + i;
      String amount = (i % 100_000) + "." + String.format("%02d", i % 100);
      md5.update(
          ((first ? "" : "|") + id + "," + v + "," + amount).getBytes(StandardCharsets.UTF_8));
      first = false;
    }
    return String.format("%032x", new BigInteger(1, md5.digest()));
  }

  static final String CHECKSUM_SQL =
      "SELECT md5(string_agg(id || ',' || v || ',' || amount, '|' ORDER BY id)) FROM public."
          + PIPELINE;

  @Test
  void
      killed_node_mid_chunked_partition_is_resumed_after_its_last_checkpoint_and_the_target_equals_a_clean_run()
          throws Exception {
    long began = System.nanoTime();
    Path dir = fixture.work().resolve("pipelines");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"),
        """
        name: %s
        partitions:
          values: [%s]
        source:
          csv: { path: "data/${partition}.csv", header: true }
        columns:
          id: bigint
          v: text
          amount: numeric(12,2)
        validate: { max_rejected: 100 }
        sink:
          postgres: { table: %s, mode: append, commit: chunk, chunk_rows: %d }
        retry: { attempts: 6, backoff: 200ms, max_backoff: 1s }
        """
            .formatted(PIPELINE, PARTITION, PIPELINE, CHUNK_ROWS));
    try (Writer w = Files.newBufferedWriter(dir.resolve("data").resolve(PARTITION + ".csv"))) {
      w.write("id,v,amount\n");
      for (int i = 0; i < ROWS; i++) {
        w.write(line(i));
        w.write('\n');
      }
    }
    String expected = expectedChecksum();
    int badRows = 0;
    for (int i = 0; i < ROWS; i++) {
      badRows += bad(i) ? 1 : 0;
    }

    cluster = fixture.start();
    String[] args = {
      "--pipelines",
      dir.toString(),
      "--workers",
      "1",
      "--lease",
      "3s",
      "--heartbeat",
      "1s",
      "--poll",
      "200ms"
    };
    NodeProcess a = cluster.node("node-a", args);
    NodeProcess b = cluster.node("node-b", args);
    ClusterRuns.awaitAlive(cluster, 2);

    long run = trigger();
    String loadId = "run-" + run + "/" + PARTITION;

    // At least two chunks committed, and the task still running: kill its owner.
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                cluster.scalar(
                        "SELECT coalesce(max(chunks), 0) FROM keel_sink.checkpoint WHERE load_id = ?",
                        loadId)
                    >= 2);
    String owner =
        cluster.rows("SELECT owner, state FROM keel.task WHERE run_id = ?", run).get(0).get(0);
    assertThat(cluster.rows("SELECT state FROM keel.task WHERE run_id = ?", run))
        .containsExactly(List.of("running"));
    NodeProcess victim = owner.equals(a.id()) ? a : b;
    NodeProcess survivor = victim == a ? b : a;
    long chunksSeen =
        cluster.scalar("SELECT chunks FROM keel_sink.checkpoint WHERE load_id = ?", loadId);
    victim.kill9();
    long killedAt = System.nanoTime();
    // A commit the victim had sent just before it died may still land: look once the server has
    // settled it,
    // long before the lease (3 s) lets the survivor claim the task.
    Thread.sleep(500);
    List<String> cp =
        cluster
            .rows(
                "SELECT chunks, rows_read, rows_published, position FROM keel_sink.checkpoint WHERE load_id = ?",
                loadId)
            .get(0);
    long chunksAtKill = Long.parseLong(cp.get(0));
    long readAtKill = Long.parseLong(cp.get(1));
    long publishedAtKill = Long.parseLong(cp.get(2));
    assertThat(chunksAtKill).isGreaterThanOrEqualTo(chunksSeen).isLessThan(ROWS / CHUNK_ROWS);
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE))
        .as("rows in the target at the kill")
        .isEqualTo(publishedAtKill)
        .isEqualTo(chunksAtKill * CHUNK_ROWS);

    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                cluster.scalar(
                        "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')",
                        run)
                    == 0);
    double resumeSeconds = (System.nanoTime() - killedAt) / 1e9;

    assertThat(
            cluster.rows(
                "SELECT state, rows_read, rows_rejected, rows_published FROM keel.task WHERE run_id = ?",
                run))
        .containsExactly(
            List.of(
                "succeeded",
                Long.toString(ROWS),
                Long.toString(badRows),
                Long.toString(ROWS - badRows)));
    assertThat(cluster.rows("SELECT state FROM keel.run WHERE id = ?", run))
        .containsExactly(List.of("succeeded"));
    // The survivor finished it, on a later claim (a newer fence) than the killed node's.
    assertThat(
            cluster.scalar(
                """
        SELECT count(*) FROM keel.task_attempt s JOIN keel.task t ON t.id = s.task_id
         WHERE t.run_id = ? AND s.outcome = 'succeeded' AND s.node = ?
           AND s.fence > (SELECT max(k.fence) FROM keel.task_attempt k WHERE k.task_id = s.task_id AND k.node = ?)""",
                run,
                survivor.id(),
                victim.id()))
        .isEqualTo(1);

    // Source reads: the survivor read only the records after the last checkpoint.
    String log = survivor.logText();
    assertThat(log).contains("resuming after the checkpoint at " + cp.get(3));
    Matcher m =
        Pattern.compile(
                "resumed after a checkpoint: (\\d+) records were read by earlier attempts, (\\d+) by this one")
            .matcher(log);
    assertThat(m.find()).as("the survivor's log says it resumed:%n%s", log).isTrue();
    long x = Long.parseLong(m.group(1));
    long y = Long.parseLong(m.group(2));
    assertThat(x)
        .as("records read before the last checkpoint (not read again)")
        .isEqualTo(readAtKill)
        .isGreaterThanOrEqualTo(chunksAtKill * CHUNK_ROWS);
    assertThat(x + y).isEqualTo(ROWS);
    // Seen from outside keel's counters: the survivor rejected only the bad records after the
    // checkpoint,
    // so it did not parse the ones before it.
    long badAfter = 0;
    for (long i = x; i < ROWS; i++) {
      badAfter += bad((int) i) ? 1 : 0;
    }
    assertThat(badAfter).isLessThan(badRows);
    assertThat(
            cluster.scalar(
                """
        SELECT count(*) FROM keel.dead_letter d JOIN keel.task_attempt s ON s.task_id = d.task_id AND s.attempt = d.attempt
         WHERE d.run_id = ? AND s.node = ?""",
                run,
                survivor.id()))
        .as("bad records the survivor read")
        .isEqualTo(badAfter);

    // The target equals a clean run: every good record once, none twice, one load row.
    assertThat(cluster.scalar("SELECT count(*) FROM public." + PIPELINE)).isEqualTo(ROWS - badRows);
    assertThat(cluster.scalar("SELECT count(DISTINCT id) FROM public." + PIPELINE))
        .isEqualTo(ROWS - badRows);
    assertThat(cluster.rows(CHECKSUM_SQL).get(0).get(0)).isEqualTo(expected);
    assertThat(cluster.scalar("SELECT count(*) FROM keel_sink.load WHERE load_id = ?", loadId))
        .isEqualTo(1);
    assertThat(cluster.scalar("SELECT rows FROM keel_sink.load WHERE load_id = ?", loadId))
        .isEqualTo(ROWS - badRows);
    // Each bad record is in the dead letters (an attempt's rejects after its last chunk may be
    // there twice).
    assertThat(
            cluster.scalar(
                "SELECT count(DISTINCT position) FROM keel.dead_letter WHERE run_id = ?", run))
        .isEqualTo(badRows);
    assertThat(survivor.isAlive()).isTrue();

    System.out.printf(
        "ChunkedKillTest: killed %s at %d committed chunks (%d seen before the kill), %d records read before"
            + " the checkpoint (X), %d by %s after it (Y), resumed and finished %.1f s after the kill, %.1f s in all%n",
        victim.id(),
        chunksAtKill,
        chunksSeen,
        x,
        y,
        survivor.id(),
        resumeSeconds,
        (System.nanoTime() - began) / 1e9);
  }

  long trigger() {
    return ClusterRuns.trigger(cluster, PIPELINE, fixture.work().resolve("pipelines"));
  }
}
