package dev.keel.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.chaos.NodeProcess;
import dev.keel.cli.Main;
import dev.keel.testkit.ClusterFixture;
import dev.keel.testkit.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole way a user ships keel's logs: a real {@code keel node} with {@code KEEL_LOG_FORMAT=ecs}
 * and its output appended to a file, Debian's rsyslog running the shipped {@code
 * deploy/logging/rsyslog-keel.conf} (imfile → omelasticsearch), and a real OpenSearch 2.19 started
 * by the test. A pipeline whose task fails twice (its source cannot connect; the database its URL
 * names ends with a planted secret read from a file, and the error quotes that URL, making lines
 * longer than 8 KiB) is triggered; its run's lines are then found in OpenSearch by run id, each an
 * ECS document with keel's task identity, the stack trace under {@code error.*}, and the secret is
 * nowhere in the index.
 */
@Tag("slow")
class LogShippingTest {
  static final String SECRET = "s3cr3t-SHIPPED-db-8f2c";
  static final String PIPELINE = "shipped_logs";
  static final String NODE = "logs-node";

  /**
   * Starts the source database's name: its error lines run past rsyslog's default 8 KiB message
   * size, which would cut them into invalid JSON unless the shipped file raises it.
   */
  static final String LONG_PREFIX = "keel_" + "x".repeat(9000) + "_";

  @RegisterExtension final ClusterFixture fixture = new ClusterFixture();

  @Test
  void a_task_s_ecs_lines_reach_opensearch_through_rsyslog_and_are_found_by_run_id()
      throws Exception {
    assumeTrue(
        Rsyslog.installed(),
        "needs Debian's rsyslog and rsyslog-elasticsearch (.ci/run installs them)");
    Path work = fixture.work();
    try (SearchServer search = SearchServer.start(work.resolve("opensearch"))) {
      LocalCluster cluster = fixture.start();
      Path pipelines = work.resolve("pipelines");
      writeLeakyPipeline(pipelines);

      NodeProcess node =
          NodeProcess.start(
              NODE,
              fixture.logs(),
              List.of(
                  "node",
                  "--db",
                  cluster.url(),
                  "--node-id",
                  NODE,
                  "--pipelines",
                  pipelines.toString(),
                  "--poll",
                  "200ms"),
              Map.of("KEEL_LOG_FORMAT", "ecs", "KEEL_LOG_LEVEL", "DEBUG"));
      try (Rsyslog rsyslog =
          Rsyslog.start(work.resolve("rsyslog"), node.log(), "127.0.0.1", search.port())) {
        await()
            .ignoreExceptions()
            .atMost(Duration.ofSeconds(120))
            .until(
                () ->
                    cluster.scalar(
                            "SELECT count(*) FROM keel.node WHERE id = ? AND state = 'alive'", NODE)
                        == 1);
        long run = trigger(cluster, pipelines);

        // The task's last attempt fails with an ERROR line, its exception follows at DEBUG.
        List<JsonNode> lines = new ArrayList<>();
        await()
            .atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  assertThat(rsyslog.isAlive()).as(rsyslog.diagnostics()).isTrue();
                  lines.clear();
                  lines.addAll(linesOfRun(search, run));
                  assertThat(lines)
                      .as("run %d's lines in OpenSearch\n%s", run, rsyslog.diagnostics())
                      .anyMatch(
                          l ->
                              text(l, "log.level").equals("ERROR")
                                  && text(l, "attempt").equals("2"))
                      .as("the failure's detail, its stack trace under error.*")
                      .anyMatch(
                          l ->
                              text(l, "error.type").equals("dev.keel.KeelException")
                                  && text(l, "error.stack_trace").contains("\tat "));
                });

        Set<String> tasks = new java.util.HashSet<>();
        for (JsonNode l : lines) {
          assertThat(text(l, "@timestamp")).as(l.toString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
          assertThat(text(l, "log.level")).as(l.toString()).isIn("DEBUG", "INFO", "WARN", "ERROR");
          assertThat(text(l, "message")).as(l.toString()).isNotBlank();
          assertThat(text(l, "service.name")).isEqualTo("keel");
          assertThat(text(l, "ecs.version")).isNotBlank();
          assertThat(text(l, "run")).isEqualTo(Long.toString(run));
          assertThat(text(l, "pipeline")).isEqualTo(PIPELINE);
          assertThat(text(l, "partition")).isEqualTo("all");
          assertThat(text(l, "node")).isEqualTo(NODE);
          assertThat(text(l, "attempt")).isIn("1", "2");
          tasks.add(text(l, "task"));
        }
        assertThat(tasks).as("one task, its id on every line").hasSize(1).doesNotContain("");
        assertThat(lines)
            .as("the error quotes the source's URL: the secret in it is masked")
            .anyMatch(l -> text(l, "message").contains("/" + LONG_PREFIX + "***"))
            .as("a line longer than rsyslog's default 8 KiB arrived whole")
            .anyMatch(l -> text(l, "message").length() > 9000);

        // The secret, searched in every field of every shipped line, and in the raw documents.
        HttpResponse<String> leak =
            search.get(
                "/keel-logs-*/_search?size=0&q="
                    + URLEncoder.encode("\"" + SECRET + "\"", StandardCharsets.UTF_8));
        assertThat(leak.statusCode()).as(leak.body()).isEqualTo(200);
        assertThat(json(leak.body()).at("/hits/total/value").asLong()).isZero();
        HttpResponse<String> all = search.get("/keel-logs-*/_search?size=1000");
        assertThat(json(all.body()).at("/hits/total/value").asLong())
            .as("the node's other lines (start, heartbeat) were shipped too")
            .isGreaterThan(lines.size());
        assertThat(all.body()).doesNotContain(SECRET);
        assertThat(node.logText()).doesNotContain(SECRET);
      } finally {
        node.terminate(60);
      }
    }
  }

  /**
   * A pipeline whose jdbc source cannot connect (nothing listens on port 1: a transient failure,
   * retried once); the database its URL names is {@link #LONG_PREFIX} and the planted secret, and
   * keel's error message quotes that URL.
   */
  private void writeLeakyPipeline(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path secret = fixture.work().resolve("db-name");
    Files.writeString(secret, SECRET + "\n");
    Files.writeString(
        dir.resolve(PIPELINE + ".yaml"),
        """
        name: %s
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/%s${file:%s}?user=postgres", query: "select 1 as id" } }
        columns: { id: bigint }
        sink: { postgres: { table: shipped_logs, key: [id], mode: upsert } }
        retry: { attempts: 2, backoff: 1ms }
        """
            .formatted(PIPELINE, LONG_PREFIX, secret));
  }

  /** {@code keel trigger}; the run id it printed. */
  private static long trigger(LocalCluster cluster, Path pipelines) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "trigger",
            PIPELINE,
            "--db",
            cluster.url(),
            "--pipelines",
            pipelines.toString());
    assertThat(code).as(err.toString()).isZero();
    return Long.parseLong(out.toString().strip());
  }

  /**
   * Every shipped line of {@code run}, oldest first, by the search the README and the shipped file
   * give users: {@code q=run:<id>}.
   */
  private static List<JsonNode> linesOfRun(SearchServer search, long run) throws Exception {
    HttpResponse<String> r =
        search.get("/keel-logs-*/_search?size=500&sort=@timestamp:asc&q=run:" + run);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    json(r.body()).at("/hits/hits").forEach(h -> out.add(h.get("_source")));
    return out;
  }

  /**
   * A field of a shipped document, whether OpenSearch kept its dotted name ({@code "log.level"}) or
   * it was written nested; "" when absent.
   */
  private static String text(JsonNode doc, String field) {
    JsonNode v = doc.get(field);
    if (v == null) {
      v = doc.at("/" + field.replace('.', '/'));
    }
    return v == null || v.isMissingNode() || v.isNull() ? "" : v.asText();
  }

  private static JsonNode json(String s) {
    try {
      return new ObjectMapper().readTree(s);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + s, e);
    }
  }
}
