package dev.keel.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.keel.cli.Cli;
import dev.keel.cli.Main;
import dev.keel.spec.Durations;
import dev.keel.testkit.TestDatabase;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of deploy/ agree with what keel serves: every Kubernetes manifest parses, the probes
 * and the port are the ones a real {@code keel serve} answers on, the autoscaling query names a
 * series its /metrics really has, the options given to {@code keel node} exist, the drain fits in
 * the grace period, secrets are referenced, the image runs as a non-root user.
 */
class DeploymentFilesTest {
  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  static final Map<String, JsonNode> BY_KIND = new HashMap<>();

  @TempDir Path dir;

  @BeforeAll
  static void parseEveryManifest() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (var docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (docs.hasNext()) {
            JsonNode doc = (JsonNode) docs.next();
            assertThat(doc.path("apiVersion").asText()).as(f + ": apiVersion").isNotBlank();
            assertThat(doc.path("metadata").path("name").asText()).as(f + ": name").isNotBlank();
            BY_KIND.put(doc.get("kind").asText(), doc);
          }
        }
      }
    }
    assertThat(BY_KIND)
        .containsKeys(
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "ScaledObject",
            "HorizontalPodAutoscaler",
            "Secret");
  }

  static JsonNode container() {
    return BY_KIND.get("Deployment").at("/spec/template/spec/containers/0");
  }

  static List<String> args() {
    List<String> out = new ArrayList<>();
    container().get("args").forEach(a -> out.add(a.asText()));
    return out;
  }

  static String after(List<String> args, String option) {
    return args.get(args.indexOf(option) + 1);
  }

  @Test
  void probes_port_and_autoscaling_series_are_what_a_running_keel_serves() throws Exception {
    TestDatabase.reset();
    Files.writeString(dir.resolve("one-all.csv"), "id\n1\n");
    Path file = dir.resolve("one.yaml");
    Files.writeString(
        file,
        """
        name: one
        source: { csv: { path: "one-${partition}.csv" } }
        columns: { id: bigint }
        sink: { postgres: { table: one, key: [id] } }
        """);
    assertThat(Cli.runPipeline(file).exit()).isZero();
    JsonNode http = container().get("ports").get(0);
    assertThat(http.get("name").asText()).isEqualTo("http");
    assertThat(after(args(), "--http-port")).isEqualTo(http.get("containerPort").asText());
    int port = freePort();
    StringWriter err = new StringWriter();
    Thread serve =
        new Thread(
            () ->
                Main.execute(
                    new PrintWriter(new StringWriter(), true),
                    new PrintWriter(err, true),
                    "serve",
                    "--db",
                    TestDatabase.url(),
                    "--http-host",
                    "127.0.0.1",
                    "--http-port",
                    Integer.toString(port)));
    serve.start();
    try {
      for (String probe : List.of("readinessProbe", "livenessProbe")) {
        JsonNode get = container().get(probe).get("httpGet");
        assertThat(get.get("port").asText()).as(probe).isEqualTo("http");
        String path = get.get("path").asText();
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> status(port, path) == 200);
      }
      String metrics = body(port, "/metrics");
      String query = BY_KIND.get("ScaledObject").at("/spec/triggers/0/metadata/query").asText();
      Matcher series = Pattern.compile("(keel_[a-z_]+)\\{([^}]*)\\}").matcher(query);
      assertThat(series.find()).as(query).isTrue();
      assertThat(metrics.lines())
          .as("/metrics has %s{%s}", series.group(1), series.group(2))
          .anyMatch(l -> l.startsWith(series.group(1) + "{") && l.contains(series.group(2)));
    } finally {
      serve.interrupt();
      serve.join(30_000);
    }
  }

  @Test
  void node_options_exist_and_the_drain_fits_in_the_grace_period() {
    for (String a : args().subList(1, args().size())) {
      if (a.startsWith("--")) {
        assertThat(nodeOption(a)).as("keel node has option " + a).isTrue();
      }
    }
    assertThat(args().get(0)).isEqualTo("node");
    Duration drain = Durations.parse(after(args(), "--drain-timeout"));
    long grace =
        BY_KIND.get("Deployment").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    assertThat(Duration.ofSeconds(grace)).isGreaterThan(drain);
  }

  @Test
  void secrets_are_referenced_and_selectors_match_the_pods() {
    for (JsonNode env : container().get("env")) {
      assertThat(env.path("value").asText()).doesNotContainIgnoringCase("password");
      if (env.get("name").asText().equals("KEEL_DB")) {
        assertThat(env.at("/valueFrom/secretKeyRef/name").asText())
            .isEqualTo(BY_KIND.get("Secret").at("/metadata/name").asText());
      }
    }
    assertThat(container().get("env").findValuesAsText("name")).contains("KEEL_DB");
    JsonNode labels = BY_KIND.get("Deployment").at("/spec/template/metadata/labels");
    Map<String, String> pod = new HashMap<>();
    labels.fields().forEachRemaining(e -> pod.put(e.getKey(), e.getValue().asText()));
    BY_KIND
        .get("PodDisruptionBudget")
        .at("/spec/selector/matchLabels")
        .fields()
        .forEachRemaining(e -> assertThat(pod).containsEntry(e.getKey(), e.getValue().asText()));
    BY_KIND
        .get("Service")
        .at("/spec/selector")
        .fields()
        .forEachRemaining(e -> assertThat(pod).containsEntry(e.getKey(), e.getValue().asText()));
    assertThat(BY_KIND.get("Service").at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
    String deployment = BY_KIND.get("Deployment").at("/metadata/name").asText();
    assertThat(BY_KIND.get("ScaledObject").at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment);
    assertThat(BY_KIND.get("ScaledObject").at("/spec/minReplicaCount").asInt())
        .as("scheduled pipelines need a node")
        .isGreaterThanOrEqualTo(1);
    assertThat(BY_KIND.get("HorizontalPodAutoscaler").at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment);
    assertThat(BY_KIND.get("HorizontalPodAutoscaler").at("/spec/minReplicas").asInt())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void the_image_runs_keel_as_a_non_root_user_and_the_unit_drains_before_systemd_kills()
      throws Exception {
    List<String> docker = Files.readAllLines(DEPLOY.resolve("Dockerfile"));
    assertThat(docker).anyMatch(l -> l.matches("FROM eclipse-temurin:17-jre\\b.*"));
    String user =
        docker.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(user).doesNotContain("root").isNotEqualTo("USER 0");
    assertThat(docker).contains("EXPOSE 8080");
    // the shaded jar's name (keel-cli's pom: finalName keel)
    assertThat(String.join("\n", docker)).contains("keel-cli/target/keel.jar");

    List<String> unit = Files.readAllLines(DEPLOY.resolve("systemd").resolve("keel-node.service"));
    String exec = unit.stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
    List<String> words = List.of(exec.split("\\s+"));
    assertThat(words).contains("node");
    words.stream()
        .filter(w -> w.startsWith("--"))
        .forEach(w -> assertThat(nodeOption(w)).as("keel node has option " + w).isTrue());
    Duration drain = Durations.parse(words.get(words.indexOf("--drain-timeout") + 1));
    String stop =
        unit.stream().filter(l -> l.startsWith("TimeoutStopSec=")).findFirst().orElseThrow();
    assertThat(Duration.ofSeconds(Long.parseLong(stop.substring("TimeoutStopSec=".length()))))
        .isGreaterThan(drain);
    assertThat(unit).contains("User=keel");
  }

  static boolean nodeOption(String name) {
    return new picocli.CommandLine(new Main())
            .getSubcommands()
            .get("node")
            .getCommandSpec()
            .findOption(name)
        != null;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static int status(int port, String path) throws Exception {
    return send(port, path).statusCode();
  }

  static String body(int port, String path) throws Exception {
    HttpResponse<String> r = send(port, path);
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  static HttpResponse<String> send(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
