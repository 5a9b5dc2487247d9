package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keel run --serve}: a real run, then /metrics scraped over HTTP shows what it did. */
class ServeMetricsTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  /**
   * Runs {@code keel ARGS} in a thread; {@link Served#stop()} interrupts it, as Ctrl-C would end
   * it.
   */
  record Served(Thread thread, AtomicInteger exit, StringWriter out, StringWriter err) {
    static Served start(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      AtomicInteger exit = new AtomicInteger(-1);
      Thread t =
          new Thread(
              () ->
                  exit.set(
                      Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args)),
              "keel-serve-test");
      t.start();
      return new Served(t, exit, out, err);
    }

    void stop() throws InterruptedException {
      thread.interrupt();
      thread.join(30_000);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String get(int port, String path) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + "\n" + r.body();
    } catch (IOException e) {
      return "down: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void metrics_after_a_real_run_count_its_rows_tasks_and_failures() throws Exception {
    Files.writeString(dir.resolve("sales-a.csv"), "id,customer\n1,ann\n2,bob\nx,cy\n");
    Files.writeString(dir.resolve("sales-b.csv"), "id,customer\n3,dee\n");
    Path file = dir.resolve("sales.yaml");
    Files.writeString(
        file,
        """
        name: sales
        partitions: { values: [a, b, c] }
        source: { csv: { path: "sales-${partition}.csv" } }
        columns: { id: bigint, customer: text }
        validate: { max_rejected: "50%" }
        sink: { postgres: { table: sales, key: [id], mode: upsert } }
        """);
    Files.writeString(dir.resolve("fine-all.csv"), "id\n1\n");
    Path fine = dir.resolve("fine.yaml");
    Files.writeString(
        fine,
        """
        name: fine
        source: { csv: { path: "fine-${partition}.csv" } }
        columns: { id: bigint }
        sink: { postgres: { table: fine, key: [id], mode: upsert } }
        """);
    assertThat(Cli.runPipeline(fine).exit()).isZero();
    int port = freePort();

    Served served =
        Served.start(
            "run",
            file.toString(),
            "--db",
            TestDatabase.url(),
            "--http-port",
            Integer.toString(port),
            "--http-host",
            "127.0.0.1",
            "--serve");
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> served.out().toString().contains("serving on port"));
      String metrics = get(port, "/metrics");

      assertThat(metrics)
          .startsWith("200")
          .contains(
              "keel_rows_read_total{pipeline=\"sales\"} 4.0",
              "keel_rows_published_total{pipeline=\"sales\"} 3.0",
              "keel_rows_rejected_total{pipeline=\"sales\"} 1.0",
              "keel_task_duration_seconds_count{outcome=\"succeeded\",pipeline=\"sales\"} 2",
              "keel_task_duration_seconds_count{outcome=\"failed\",pipeline=\"sales\"} 1",
              "keel_tasks_failed_total{cause=\"permanent\",pipeline=\"sales\"} 1.0",
              "keel_tasks{pipeline=\"sales\",state=\"succeeded\"} 2.0",
              "keel_tasks{pipeline=\"sales\",state=\"failed\"} 1.0",
              "hikaricp_connections");
      assertThat(get(port, "/health/ready")).startsWith("200");
      assertThat(metrics).contains("keel_run_freshness_seconds{pipeline=\"fine\"}");
      assertThat(deployedMetricNames())
          .isNotEmpty()
          .allSatisfy(name -> assertThat(metrics).as(name).contains("\n" + name));
    } finally {
      served.stop();
    }
    assertThat(served.thread().isAlive()).isFalse();
    assertThat(served.out().toString()).contains("failed");
    assertThat(get(port, "/health/live")).startsWith("down");
  }

  /**
   * Every metric named in deploy/prometheus/alerts.yml's rules and deploy/grafana/keel.json's
   * panels.
   */
  static java.util.Set<String> deployedMetricNames() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    java.util.List<String> exprs = new java.util.ArrayList<>();
    yaml.readTree(Path.of("../deploy/prometheus/alerts.yml").toFile())
        .get("groups")
        .forEach(g -> g.get("rules").forEach(r -> exprs.add(r.get("expr").asText())));
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Path.of("../deploy/grafana/keel.json").toFile())
        .get("panels")
        .forEach(p -> p.get("targets").forEach(t -> exprs.add(t.get("expr").asText())));
    java.util.Set<String> names = new java.util.TreeSet<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\b(?:keel|hikaricp|jvm)_[a-z_]+")
            .matcher(String.join("\n", exprs));
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  @Test
  void token_create_prints_a_token_once_and_serve_accepts_it() throws Exception {
    Cli created = Cli.run("token", "create", "--role", "viewer", "--db", TestDatabase.url());
    assertThat(created.exit()).as(created.toString()).isZero();
    String token = created.out().strip();
    assertThat(token).startsWith("keel_").hasSizeGreaterThan(40);
    assertThat(TestDatabase.count("select count(*) from keel.api_token where role = 'viewer'"))
        .isEqualTo(1);
    assertThat(Cli.run("token", "create", "--role", "admin", "--db", TestDatabase.url()).exit())
        .isEqualTo(2);
    int port = freePort();

    Served served =
        Served.start(
            "serve",
            "--db",
            TestDatabase.url(),
            "--http-port",
            Integer.toString(port),
            "--http-host",
            "127.0.0.1");
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> served.out().toString().contains("serving on port"));
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/runs"))
                      .header("Authorization", "Bearer " + token)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(get(port, "/api/runs")).startsWith("401");
    } finally {
      served.stop();
    }
  }
}
