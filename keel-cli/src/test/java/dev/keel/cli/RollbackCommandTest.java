package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.server.KeelServer;
import dev.keel.server.api.Role;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel history and keel rollback on pipelines run with keel run: a partition goes back to a run,
 * the other stays, the rollback shows in the history and is undone; what cannot be rolled back is
 * refused with exit 2 and nothing changed; the same through the REST API for an operator.
 */
class RollbackCommandTest {
  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void threeRuns() throws IOException {
    TestDatabase.reset();
    file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: sales
        partitions: { values: [a, b] }
        source: { csv: { path: "in-${partition}.csv" } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id], table: sales, keep_versions: 2 } }
        """);
    Files.writeString(dir.resolve("in-b.csv"), "id,name\n10,b\n");
    load("id,name\n1,x\n2,y\n"); // run 1
    load("id,name\n1,X\n3,z\n"); // run 2
    load("id,name\n4,w\n"); // run 3
  }

  private void load(String a) throws IOException {
    Files.writeString(dir.resolve("in-a.csv"), a);
    Cli run = Cli.runPipeline(file);
    assertThat(run.exit()).as(run.toString()).isZero();
  }

  private static List<String> rows() {
    return TestDatabase.rows("SELECT id, name FROM sales ORDER BY id");
  }

  private static Cli keel(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--db";
    all[args.length + 1] = TestDatabase.url();
    return Cli.run(all);
  }

  @Test
  void a_partition_goes_back_to_a_run_and_the_rollback_is_undone_by_another() {
    Cli history = keel("history", "sales", "--partition", "a");
    assertThat(history.exit()).as(history.toString()).isZero();
    assertThat(history.out().lines().skip(1).map(l -> l.split("\\s+")[1]))
        .containsExactly("3", "2", "1");

    Cli back = keel("rollback", "sales", "--partition", "a", "--to-run", "1");

    assertThat(back.exit()).as(back.toString()).isZero();
    assertThat(back.out()).contains("sales partition a rolled back to run 1");
    assertThat(rows()).containsExactly("1|x", "2|y", "10|b");
    assertThat(keel("history", "sales", "--partition", "a").out()).contains("rollback to run 1");

    Cli undo = keel("rollback", "sales", "--partition", "a", "--to-run", "3");
    assertThat(undo.exit()).as(undo.toString()).isZero();
    assertThat(rows()).containsExactly("1|X", "2|y", "3|z", "4|w", "10|b");
  }

  @Test
  void what_cannot_be_rolled_back_is_refused_with_exit_2_and_nothing_changes() throws IOException {
    load("id,name\n5,v\n"); // run 4: run 1 is no longer kept
    List<String> before = rows();

    Cli unknownRun = keel("rollback", "sales", "--partition", "a", "--to-run", "99");
    Cli pruned = keel("rollback", "sales", "--partition", "a", "--to-run", "1");
    Cli unknownPartition = keel("rollback", "sales", "--partition", "zz", "--to-run", "2");
    Cli unknownPipeline = keel("rollback", "nope", "--partition", "a", "--to-run", "2");
    Cli notPositive = keel("rollback", "sales", "--partition", "a", "--to-run", "0");

    assertThat(unknownRun.exit()).isEqualTo(2);
    assertThat(unknownRun.err()).contains("run 99");
    assertThat(pruned.exit()).isEqualTo(2);
    assertThat(pruned.err())
        .contains("the load of run 1 (partition a) is no longer kept", "keep_versions: 2");
    assertThat(unknownPartition.exit()).isEqualTo(2);
    assertThat(unknownPartition.err()).contains("zz");
    assertThat(unknownPipeline.exit()).isEqualTo(2);
    assertThat(notPositive.exit()).isEqualTo(2);
    assertThat(rows()).isEqualTo(before);

    // A run that did not publish the partition.
    Cli onlyB = Cli.runPipeline(file, "--partition", "b");
    assertThat(onlyB.exit()).as(onlyB.toString()).isZero();
    String runB = TestDatabase.value("SELECT max(id) FROM keel.run");
    Cli notPublished = keel("rollback", "sales", "--partition", "a", "--to-run", runB);
    assertThat(notPublished.exit()).isEqualTo(2);
    assertThat(notPublished.err()).contains("run " + runB + " did not publish partition a");
    assertThat(rows()).isEqualTo(before);
  }

  @Test
  void keep_versions_is_checked_with_its_line_and_a_pipeline_without_it_has_no_history()
      throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        """
        name: bad
        source: { csv: { path: in-a.csv } }
        columns: { id: bigint, name: text }
        sink:
          postgres: { key: [id], keep_versions: 0 }
        """);
    Cli validate = Cli.run("validate", bad.toString());
    assertThat(validate.exit()).isEqualTo(2);
    assertThat(validate.err()).contains("5:", "keep_versions");

    Files.writeString(
        bad,
        """
        name: plain
        source: { csv: { path: in-a.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id] } }
        """);
    assertThat(Cli.runPipeline(bad).exit()).isZero();
    Cli history = keel("history", "plain");
    assertThat(history.exit()).isEqualTo(2);
    assertThat(history.err()).contains("plain does not keep versions", "keep_versions: N");
  }

  @Test
  void an_operator_rolls_back_through_the_api_and_a_viewer_cannot() throws Exception {
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "rollback-test"));
        KeelServer server =
            KeelServer.builder(store, KeelMetrics.prometheus())
                .host("127.0.0.1")
                .port(0)
                .rollbacks(new SinkRollbacks(store))
                .build()
                .start()) {
      String operator = new Tokens(store.db()).create(Role.OPERATOR, "rollback test");
      String viewer = new Tokens(store.db()).create(Role.VIEWER, "rollback test");
      String body = "{\"partition\": \"a\", \"run\": 2}";

      assertThat(post(server, viewer, body).statusCode()).isEqualTo(403);
      assertThat(post(server, operator, "{\"partition\": \"a\", \"run\": 99}").statusCode())
          .isEqualTo(404);
      assertThat(post(server, operator, "{\"partition\": \"a\"}").statusCode()).isEqualTo(400);
      HttpResponse<String> ok = post(server, operator, body);

      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(ok.body()).contains("\"restored_run\":2");
      assertThat(rows()).containsExactly("1|X", "2|y", "3|z", "10|b");
      HttpResponse<String> history =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + server.port()
                                  + "/api/pipelines/sales/history?partition=a"))
                      .header("Authorization", "Bearer " + viewer)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
      assertThat(history.body()).contains("\"restored_run\":2");
    }
  }

  private static HttpResponse<String> post(KeelServer server, String token, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + server.port() + "/api/pipelines/sales/rollback"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
