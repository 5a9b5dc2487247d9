package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distinct secret planted in every field that takes a {@code ${env:}} or {@code ${file:}}
 * reference, each connection made to fail so the error paths run, {@code keel run} as a real
 * process (so {@code ${env:}} is real and the production logback.xml writes the logs): no secret
 * appears in stdout, stderr (logs, text and JSON, at DEBUG with stack traces), KEEL_HOME, {@code
 * keel status} or any column of any table of the schemas keel, keel_sink and public.
 */
class SecretRedactionTest {
  /** Every planted value, by the environment variable or file that holds it. */
  private final Map<String, String> secrets = new LinkedHashMap<>();

  @TempDir Path dir;

  private final StringBuilder output = new StringBuilder();

  @BeforeEach
  void cleanDatabase() {
    TestDatabase.reset();
    secrets.put("PW", "S3cretLeak"); // the reproduction
    secrets.put("K_SRC_SSLPW", "SrcSslPw-7Hq2");
    secrets.put("K_SRC_APP", "SrcAppName-Zk41");
    secrets.put("K_SRC_USER", "srcuser-Mx93");
    secrets.put("K_SRC_DB", "srcdb-Pq58");
    secrets.put("K_SINK_APP", "SinkAppName-Wd27");
    secrets.put("K_SINK_USER", "sinkuser-Lr66");
    secrets.put(
        "K_SINK_URL", "jdbc:postgresql://127.0.0.1:1/wholeurl-Vb19?sslpassword=WholeUrlPw-Tn04");
    secrets.put("src-pw", "src \"file\" pw\\Gy35");
    secrets.put("sink-pw", "sink/file pw+Ju72");
    secrets.put("K_PD_KEY", "PdRoutingKey-Ce83");
    secrets.put("K_PD_URL", "http://127.0.0.1:1/pd-url-Hs50");
    secrets.put("K_SLACK", "http://127.0.0.1:1/services/T0/SlackHook-Fa12");
    secrets.put("og-key", "OpsgenieKey-Ud47");
  }

  @Test
  void a_secret_in_any_referenced_field_never_reaches_output_logs_or_tables() throws Exception {
    String port = port(TestDatabase.url());
    Path srcPw = file("src-pw");
    Path sinkPw = file("sink-pw");
    String tail =
        """
        columns: { id: bigint }
        retry: { attempts: 2, backoff: 1ms }
        """;
    String csv = "source: { csv: { path: one.csv } }\n";
    Files.writeString(dir.resolve("one.csv"), "id\n1\n");

    // The reproduction: a secret in a URL parameter of a source that cannot connect.
    run(
        "text",
        pipeline(
            "leak_param",
            """
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/x?sslpassword=${env:PW}", query: "select 1 as id" } }
        sink: { postgres: { table: t1, key: [id], mode: upsert } }
        """
                + tail));
    // A reachable server that refuses the role: PostgreSQL's message names the user.
    run(
        "json",
        pipeline(
            "leak_source",
            """
        source:
          jdbc:
            url: "jdbc:postgresql://127.0.0.1:%s/postgres?sslpassword=${env:K_SRC_SSLPW}&ApplicationName=${env:K_SRC_APP}"
            user: "${env:K_SRC_USER}"
            password: "${file:%s}"
            query: "select 1 as id"
        sink: { postgres: { table: t2, key: [id], mode: upsert } }
        """
                    .formatted(port, srcPw)
                + tail));
    // A database that does not exist: PostgreSQL's message names it.
    run(
        "text",
        pipeline(
            "leak_db",
            """
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:%s/${env:K_SRC_DB}?user=postgres", query: "select 1 as id" } }
        sink: { postgres: { table: t3, key: [id], mode: upsert } }
        """
                    .formatted(port)
                + tail));
    // The sink: parameters, user and password referenced, the role refused.
    run(
        "json",
        pipeline(
            "leak_sink",
            csv
                + """
        sink:
          postgres:
            url: "jdbc:postgresql://127.0.0.1:%s/postgres?ApplicationName=${env:K_SINK_APP}"
            user: "${env:K_SINK_USER}"
            password: "${file:%s}"
            table: t4
            key: [id]
            mode: upsert
        """
                    .formatted(port, sinkPw)
                + tail));
    // The whole sink URL referenced, with a password parameter inside it.
    run(
        "text",
        pipeline(
            "leak_sink_url",
            csv
                + """
        sink: { postgres: { url: "${env:K_SINK_URL}", table: t5, key: [id], mode: upsert } }
        """
                + tail));

    // Each source run failed on its connection and recorded why (the error paths ran, alerts were
    // queued); a sink that cannot be reached stops the run before any task exists (printed only).
    assertThat(
            TestDatabase.rows(
                "select pipeline || ':' || state || ':' || (error is not null) from keel.task order by pipeline"))
        .as(output.toString())
        .containsExactly(
            "leak_db:failed:true", "leak_param:failed:true", "leak_source:failed:true");
    assertThat(
            TestDatabase.count("select count(*) from keel.alert_outbox where kind = 'task_failed'"))
        .isEqualTo(3);
    assertThat(TestDatabase.count("select count(*) from keel.task_attempt where error is not null"))
        .isEqualTo(4);
    assertThat(output)
        .contains("role \"***\" does not exist"); // the sink's refusal, printed masked
    // PostgreSQL named the refused role and database; keel stored the message with them masked.
    assertThat(TestDatabase.value("select error from keel.task where pipeline = 'leak_source'"))
        .contains("***");
    assertThat(TestDatabase.value("select error from keel.task where pipeline = 'leak_db'"))
        .contains("***");
    assertThat(output).as("the logs were written").contains("leak_source").contains("\"level\"");

    for (String args : List.of("status", "status --json", "deadletters leak_source")) {
      List<String> argv = new ArrayList<>(List.of(args.split(" ")));
      argv.addAll(List.of("--db", TestDatabase.url()));
      Cli cli = Cli.run(argv.toArray(String[]::new));
      output.append(cli.out()).append(cli.err());
    }
    try (Stream<Path> files = Files.walk(dir.resolve("home"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        output.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    String tables = everyTable();

    assertThat(tables).contains("leak_source"); // the dump has the rows
    assertNowhere(output.toString(), tables);
  }

  @Test
  void a_node_running_a_leaking_pipeline_masks_secrets_in_its_logs_api_alerts_and_delivery_errors()
      throws Exception {
    Path pipelines = Files.createDirectories(dir.resolve("pipelines"));
    pipeline(
        "leak_param",
        """
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/x?ApplicationName=${env:PW}", query: "select 1 as id" } }
        sink: { postgres: { table: t1, key: [id], mode: upsert } }
        columns: { id: bigint }
        retry: { attempts: 2, backoff: 1ms }
        """);
    Files.move(dir.resolve("leak_param.yaml"), pipelines.resolve("leak_param.yaml"));
    Path alerts = dir.resolve("alerts.yaml");
    Files.writeString(
        alerts,
        """
        alerts:
          receivers:
            pd: { pagerduty: { routing_key: "${env:K_PD_KEY}", url: "${env:K_PD_URL}" } }
            og: { opsgenie: { api_key: "${file:%s}", url: "http://127.0.0.1:1/og" } }
            chat: { slack: { webhook: "${env:K_SLACK}" } }
          rules:
            - on: [task_failed, run_failed]
              send: [pd, og, chat]
        """
            .formatted(file("og-key")));
    Process node =
        keel(
            "json",
            "node",
            "node",
            "--db",
            TestDatabase.url(),
            "--pipelines",
            pipelines.toString(),
            "--alerts",
            alerts.toString(),
            "--node-id",
            "node-s",
            "--poll",
            "200ms",
            "--http-port",
            "0",
            "--http-host",
            "127.0.0.1",
            "--open-reads");
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(
              () ->
                  TestDatabase.count(
                          "select count(*) from keel.node where id = 'node-s' and state = 'alive' and http_port > 0")
                      == 1);
      Process trigger =
          keel(
              "text",
              "trigger",
              "trigger",
              "leak_param",
              "--db",
              TestDatabase.url(),
              "--pipelines",
              pipelines.toString());
      assertThat(trigger.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(trigger.exitValue()).as(printed("trigger")).isZero();
      output.append(printed("trigger"));
      // The task failed, its alert was queued, and delivering it to each receiver failed (port 1).
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  TestDatabase.count(
                          "select count(*) from keel.alert_outbox where kind = 'task_failed' and attempts > 0 and last_error is not null")
                      == 1);
      int port =
          Integer.parseInt(
              TestDatabase.value("select http_port from keel.node where id = 'node-s'"));
      for (String path :
          List.of(
              "/api/runs",
              "/api/tasks/" + TestDatabase.value("select min(id) from keel.task"),
              "/api/pipelines",
              "/api/dead-letters",
              "/api/nodes")) {
        HttpResponse<String> r =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        output.append(r.body()).append('\n');
      }
      assertThat(output).contains("ApplicationName=***"); // the masking ran
    } finally {
      node.destroy();
      assertThat(node.waitFor(2, TimeUnit.MINUTES)).as("the node drains on SIGTERM").isTrue();
    }
    output.append(printed("node"));
    assertThat(output).as("the node logged the failure").contains("\"pipeline\":\"leak_param\"");

    assertNowhere(output.toString(), everyTable());
  }

  private void assertNowhere(String printed, String tables) {
    for (Map.Entry<String, String> s : secrets.entrySet()) {
      assertThat(printed).as("output holds %s", s.getKey()).doesNotContain(s.getValue());
      assertThat(tables).as("a table holds %s", s.getKey()).doesNotContain(s.getValue());
    }
  }

  private Path pipeline(String name, String body) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, "name: " + name + "\n" + body);
    return file;
  }

  private Path file(String name) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, secrets.get(name) + "\n");
    return f;
  }

  /**
   * {@code keel run FILE --db <test database>} in a child process, at DEBUG, logs in {@code
   * format}.
   */
  private void run(String format, Path pipeline) throws Exception {
    Process p =
        keel(
            format,
            pipeline.getFileName().toString(),
            "run",
            pipeline.toString(),
            "--db",
            TestDatabase.url());
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("keel run %s finished", pipeline).isTrue();
    String printed = printed(pipeline.getFileName().toString());
    assertThat(p.exitValue()).as(printed).isEqualTo(1);
    output.append(printed);
  }

  /**
   * A keel command in a child process with the secrets in its environment; stdout and stderr kept
   * in files.
   */
  private Process keel(String format, String name, String... args) throws IOException {
    Path home = Files.createDirectories(dir.resolve("home"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve(name + ".out").toFile())
            .redirectError(dir.resolve(name + ".err").toFile());
    pb.environment().put("KEEL_HOME", home.toString());
    pb.environment().put("KEEL_LOG_FORMAT", format);
    pb.environment().put("KEEL_LOG_LEVEL", "DEBUG");
    pb.environment().remove("KEEL_DB");
    secrets.forEach((k, v) -> pb.environment().put(k, v));
    return pb.start();
  }

  private String printed(String name) throws IOException {
    return Files.readString(dir.resolve(name + ".out"))
        + Files.readString(dir.resolve(name + ".err"));
  }

  /** Every row of every table of keel, keel_sink and public, each row as its text form. */
  private static String everyTable() {
    StringBuilder all = new StringBuilder();
    for (String table :
        TestDatabase.rows(
            """
        select format('%I.%I', table_schema, table_name) from information_schema.tables
        where table_schema in ('keel', 'keel_sink', 'public') and table_type = 'BASE TABLE'""")) {
      all.append(table).append('\n');
      TestDatabase.rows("select t::text from " + table + " t")
          .forEach(r -> all.append(r).append('\n'));
    }
    return all.toString();
  }

  private static String port(String url) {
    Matcher m = Pattern.compile("//[^:/]+:(\\d+)/").matcher(url);
    assertThat(m.find()).as(url).isTrue();
    return m.group(1);
  }
}
