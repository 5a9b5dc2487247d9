package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.chaos.NodeProcess;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code KEEL_LOG_FORMAT=ecs} in a real keel process: every log line is an Elastic Common Schema
 * document with keel's task identity as fields, an error's type and stack trace under {@code
 * error.*}, and a planted secret masked everywhere.
 */
class EcsLogsTest {
  static final String SECRET = "s3cr3t-ECS-PLANTED-41d7";

  @TempDir Path dir;

  @Test
  void a_failing_task_logs_ecs_lines_with_its_identity_and_never_its_password() throws Exception {
    TestDatabase.reset();
    Path secretFile = dir.resolve("pw");
    Files.writeString(secretFile, SECRET + "\n");
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: leaky_ecs
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/shop", user: app, password: "${file:%s}", query: "select 1 as id" } }
        columns: { id: bigint }
        sink: { postgres: { table: leaky_ecs, key: [id], mode: upsert } }
        retry: { attempts: 2, backoff: 1ms }
        """
            .formatted(secretFile));

    NodeProcess keel =
        NodeProcess.start(
            "keel-run",
            dir.resolve("logs"),
            List.of("run", file.toString(), "--db", TestDatabase.url()),
            Map.of("KEEL_LOG_FORMAT", "ecs", "KEEL_LOG_LEVEL", "DEBUG"));
    await().atMost(Duration.ofSeconds(120)).until(() -> !keel.isAlive());

    String output = keel.logText();
    assertThat(output).doesNotContain(SECRET);
    List<JsonNode> lines =
        output.lines().filter(l -> l.startsWith("{")).map(EcsLogsTest::json).toList();
    assertThat(lines).isNotEmpty();
    for (JsonNode line : lines) {
      assertThat(line.get("ecs.version").asText()).as(line.toString()).isNotBlank();
      assertThat(line.get("@timestamp").asText()).isNotBlank();
      assertThat(line.get("service.name").asText()).isEqualTo("keel");
      assertThat(line.has("message")).isTrue();
    }
    JsonNode failure =
        lines.stream()
            .filter(l -> l.get("log.level").asText().equals("ERROR"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no ERROR line in:\n" + output));
    assertThat(failure.get("pipeline").asText()).isEqualTo("leaky_ecs");
    assertThat(failure.get("partition").asText()).isEqualTo("all");
    assertThat(failure.get("attempt").asText()).isEqualTo("2");
    assertThat(failure.get("run").asText()).isNotBlank();
    assertThat(failure.get("task").asText()).isNotBlank();
    assertThat(failure.get("node").asText()).startsWith("run-");
    assertThat(lines)
        .as("a failure logged with its exception carries error.type and error.stack_trace")
        .anyMatch(l -> l.has("error.type") && l.has("error.stack_trace"));
  }

  private static JsonNode json(String line) {
    try {
      return new ObjectMapper().readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not a JSON line: " + line, e);
    }
  }
}
