package dev.keel.cli.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every keel command on one KEEL_HOME at once, as real processes: they share one embedded
 * PostgreSQL, a SIGKILL of the process that started it locks nobody out, and the last one out stops
 * it. Bounds are generous (two cores shared by the suite); the point is that nobody waits for a
 * lock held by a running command.
 */
class SharedEmbeddedServerTest {
  private static final Pattern URL = Pattern.compile("serving (http://localhost:\\d+)/");

  @TempDir Path dir;

  private Path pipeline() throws Exception {
    Path pipelines = Files.createDirectories(dir.resolve("pipelines"));
    StringBuilder csv = new StringBuilder("id,name\n");
    for (int i = 1; i <= 500; i++) {
      csv.append(i).append(",n").append(i).append('\n');
    }
    Files.writeString(pipelines.resolve("items.csv"), csv);
    Path file = pipelines.resolve("items.yaml");
    Files.writeString(
        file,
        """
        name: items
        source: { csv: { path: items.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id] } }
        """);
    return file;
  }

  private static String nodeUrl(KeelHome.Started node) {
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(node.logText()).containsPattern(URL));
    Matcher m = URL.matcher(node.logText());
    m.find();
    return m.group(1);
  }

  @Test
  void node_status_run_and_token_create_on_one_home_share_the_server_and_the_last_one_out_stops_it()
      throws Exception {
    Path file = pipeline();
    KeelHome home = new KeelHome(dir.resolve("home"), dir.resolve("logs"));
    KeelHome.Started node =
        home.start("node", "--pipelines", file.getParent().toString(), "--node-id", "n1");
    String url = nodeUrl(node);
    assertThat(node.logText()).contains("keel token create --role viewer");
    long postmaster = home.postmaster().orElseThrow();

    KeelHome.Started status = home.start("status");
    KeelHome.Started run = home.start("run", file.toString());
    KeelHome.Started token = home.start("token", "create", "--role", "viewer");
    KeelHome.Done statusDone = status.await(120);
    KeelHome.Done runDone = run.await(120);
    KeelHome.Done tokenDone = token.await(120);
    assertThat(statusDone.exit()).as(statusDone.log()).isZero();
    assertThat(statusDone.log()).contains("n1");
    assertThat(runDone.exit()).as(runDone.log()).isZero();
    assertThat(runDone.log())
        .contains("succeeded")
        .doesNotContain("in use by another keel process");
    assertThat(tokenDone.exit()).as(tokenDone.log()).isZero();
    String secret =
        tokenDone
            .log()
            .lines()
            .filter(l -> !l.startsWith("keel:") && !l.isBlank() && !l.contains(" "))
            .findFirst()
            .orElseThrow();

    HttpResponse<String> runs =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "/api/runs"))
                    .header("Authorization", "Bearer " + secret)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(runs.statusCode()).as(runs.body()).isEqualTo(200);
    assertThat(runs.body()).contains("items");

    KeelHome.Done db = home.run("db", "status");
    assertThat(db.log())
        .contains("running on port")
        .contains("pid " + postmaster)
        .contains(Long.toString(node.process().pid()));
    assertThat(KeelHome.alive(postmaster)).as("the node still uses it").isTrue();

    node.process().destroy(); // SIGTERM: drain, leave, and as the last user stop the server
    assertThat(node.process().waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(node.process().exitValue()).as(node.logText()).isZero();
    await().atMost(Duration.ofMinutes(1)).until(() -> !KeelHome.alive(postmaster));
    assertThat(home.home.resolve("server.properties")).doesNotExist();
  }

  @Test
  void after_kill_9_of_the_process_that_started_the_server_every_command_works_and_no_data_is_lost()
      throws Exception {
    Path file = pipeline();
    KeelHome home = new KeelHome(dir.resolve("home"), dir.resolve("logs"));
    KeelHome.Started node =
        home.start(
            "node",
            "--pipelines",
            file.getParent().toString(),
            "--node-id",
            "starter",
            "--http-port",
            "0");
    nodeUrl(node);
    long postmaster = home.postmaster().orElseThrow();
    KeelHome.Done first = home.run("run", file.toString());
    assertThat(first.exit()).as(first.log()).isZero();

    node.process().destroyForcibly();
    assertThat(node.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(KeelHome.alive(postmaster))
        .as("the server outlives the process that started it")
        .isTrue();

    List<KeelHome.Started> all =
        List.of(
            home.start("status"),
            home.start("run", file.toString()),
            home.start("token", "create", "--role", "viewer"),
            home.start("sql", "select count(*), sum(id) from items"));
    for (KeelHome.Started s : all) {
      KeelHome.Done d = s.await(120);
      assertThat(d.exit()).as(d.log()).isZero();
    }
    KeelHome.Done count = home.run("sql", "select count(*), sum(id) from items");
    assertThat(count.log()).containsPattern("500\\s+\\|\\s+125250");
    // The starter's entry was pruned as dead; the last command out stopped the server.
    await()
        .atMost(Duration.ofMinutes(1))
        .until(() -> !KeelHome.alive(postmaster) && home.postmaster().isEmpty());
  }

  @Test
  void two_homes_never_share_a_server_and_db_start_keeps_one_up_until_db_stop() throws Exception {
    KeelHome a = new KeelHome(dir.resolve("a"), dir.resolve("logs-a"));
    KeelHome b = new KeelHome(dir.resolve("b"), dir.resolve("logs-b"));
    KeelHome.Started startA = a.start("db", "start");
    KeelHome.Started startB = b.start("db", "start");
    assertThat(startA.await(120).exit()).as(startA.logText()).isZero();
    assertThat(startB.await(120).exit()).as(startB.logText()).isZero();
    long pa = a.postmaster().orElseThrow();
    long pb = b.postmaster().orElseThrow();
    assertThat(pa).isNotEqualTo(pb);
    assertThat(KeelHome.alive(pa) && KeelHome.alive(pb))
        .as("kept up after keel db start exited")
        .isTrue();

    assertThat(a.run("sql", "create table only_a (v int)").exit()).isZero();
    assertThat(b.run("sql", "select to_regclass('public.only_a') is null as absent").log())
        .containsPattern("\\n\\s*t\\s*\\n");
    assertThat(a.run("sql", "select to_regclass('public.only_a') is null as absent").log())
        .containsPattern("\\n\\s*f\\s*\\n");
    assertThat(a.run("db", "status").log())
        .contains("pid " + pa)
        .contains("stays up until keel db stop")
        .doesNotContain("pid " + pb);
    assertThat(KeelHome.alive(pa)).as("a command that ends does not stop a service").isTrue();

    assertThat(a.run("db", "stop").log()).contains("stopped");
    assertThat(b.run("db", "stop").log()).contains("stopped");
    assertThat(KeelHome.alive(pa) || KeelHome.alive(pb)).isFalse();
    assertThat(a.run("db", "status").log()).contains("not running");
  }

  @Test
  void a_record_naming_another_homes_server_or_another_major_version_is_refused_with_exit_2()
      throws Exception {
    KeelHome a = new KeelHome(dir.resolve("a"), dir.resolve("logs"));
    assertThat(a.run("db", "start").exit()).isZero();
    try {
      KeelHome copied = new KeelHome(dir.resolve("copied"), dir.resolve("logs"));
      Files.createDirectories(copied.home);
      Files.copy(a.home.resolve("server.properties"), copied.home.resolve("server.properties"));
      KeelHome.Done refused = copied.run("status");
      assertThat(refused.exit()).as(refused.log()).isEqualTo(2);
      assertThat(refused.log()).contains("refusing to connect to another folder's database");
      assertThat(copied.home.resolve("pgdata")).as("nothing started").doesNotExist();

      KeelHome old = new KeelHome(dir.resolve("old"), dir.resolve("logs"));
      Files.createDirectories(old.home.resolve("pgdata"));
      Files.writeString(old.home.resolve("pgdata/PG_VERSION"), "16\n");
      KeelHome.Done version = old.run("status");
      assertThat(version.exit()).as(version.log()).isEqualTo(2);
      assertThat(version.log()).contains("was made by PostgreSQL 16; this keel runs PostgreSQL 17");
    } finally {
      assertThat(a.run("db", "stop").exit()).isZero();
    }
  }
}
