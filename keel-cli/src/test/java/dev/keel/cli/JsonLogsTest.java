package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.testkit.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * JSON log lines carry the task's identity, and a planted secret never appears in them, at any
 * level.
 */
class JsonLogsTest {
  static final String SECRET = "s3cr3t-PLANTED-9f2c";

  @TempDir Path dir;

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender;
  private Level before;

  @BeforeEach
  void captureJsonLogs() {
    TestDatabase.reset();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.start();
    appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(captured);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    Logger keel = context.getLogger("dev.keel");
    before = keel.getLevel();
    keel.setLevel(Level.DEBUG); // failure details with stack traces too
  }

  @AfterEach
  void stopCapturing() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    context.getLogger("dev.keel").setLevel(before);
  }

  @Test
  void a_failing_jdbc_source_logs_json_with_task_identity_and_never_its_password()
      throws Exception {
    Path secretFile = dir.resolve("pw");
    Files.writeString(secretFile, SECRET + "\n");
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: leaky
        source: { jdbc: { url: "jdbc:postgresql://127.0.0.1:1/shop", user: app, password: "${file:%s}", query: "select 1 as id" } }
        columns: { id: bigint }
        sink: { postgres: { table: leaky, key: [id], mode: upsert } }
        retry: { attempts: 2, backoff: 1ms }
        """
            .formatted(secretFile));

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(1);
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).isNotBlank().doesNotContain(SECRET);
    assertThat(cli.out() + cli.err()).doesNotContain(SECRET);
    assertThat(TestDatabase.rows("select coalesce(string_agg(error, ' '), '') from keel.task"))
        .noneMatch(e -> e.contains(SECRET));
    List<JsonNode> lines = logs.lines().map(JsonLogsTest::json).toList();
    JsonNode failure =
        lines.stream()
            .filter(l -> l.get("level").asText().equals("ERROR"))
            .findFirst()
            .orElseThrow();
    assertThat(failure.get("pipeline").asText()).isEqualTo("leaky");
    assertThat(failure.get("partition").asText()).isEqualTo("all");
    assertThat(failure.get("attempt").asText()).isEqualTo("2");
    assertThat(failure.has("run")).isTrue();
    assertThat(failure.has("task")).isTrue();
    assertThat(failure.get("node").asText()).startsWith("run-");
  }

  private static JsonNode json(String line) {
    try {
      return new ObjectMapper().readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not a JSON line: " + line, e);
    }
  }
}
