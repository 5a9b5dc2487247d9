package dev.keel.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code buffer: { kafka: … }} as written in a pipeline file: {@code keel validate} shows it, bad
 * input is refused with line and column (exit 2), and the pipeline splits into an extract and a
 * load stage. No broker needed: nothing here connects.
 */
class BufferSpecTest {
  @TempDir Path dir;

  private Path file(String source, String buffer, String sink) throws Exception {
    Path file = dir.resolve("orders.yaml");
    Files.writeString(
        file,
        """
        name: orders
        partitions: { values: [eu, us] }
        source: %s
        columns: { id: bigint, customer: text }
        buffer: %s
        sink: %s
        """
            .formatted(source, buffer, sink));
    return file;
  }

  private static final String CSV = "{ csv: { path: \"in-${partition}.csv\" } }";
  private static final String BUFFER =
      "{ kafka: { bootstrap: \"127.0.0.1:9092\", topic: orders_buffer, alert_after: 2m } }";
  private static final String UPSERT = "{ postgres: { table: orders, key: [id], mode: upsert } }";

  @Test
  void validate_shows_the_buffer_and_the_two_stages() throws Exception {
    Cli cli = Cli.run("validate", file(CSV, BUFFER, UPSERT).toString());

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out())
        .contains("buffered through kafka topic orders_buffer")
        .contains("stage orders extracts into it, stage orders.load loads it")
        .contains("alert buffer_backlog after 120 s");
  }

  @Test
  void the_pipeline_splits_into_an_extract_and_a_continuous_load_stage() throws Exception {
    PipelineSpec whole = new SpecReader().read(file(CSV, BUFFER, UPSERT));

    List<PipelineSpec> stages = BufferStages.split(whole);

    assertThat(stages).extracting(PipelineSpec::name).containsExactly("orders", "orders.load");
    PipelineSpec extract = stages.get(0);
    assertThat(extract.sink().target()).isEqualTo("kafka topic orders_buffer");
    assertThat(extract.sink().key()).containsExactly("id");
    assertThat(extract.partitions().list()).containsExactly("eu", "us");
    assertThat(extract.buffer()).isNull();
    PipelineSpec load = stages.get(1);
    assertThat(load.isContinuous()).isTrue();
    assertThat(load.source().stream()).isEqualTo("kafka:orders_buffer");
    assertThat(load.sink()).isEqualTo(whole.sink());
    assertThat(BufferStages.isLoad(load)).isTrue();
    assertThat(BufferStages.stage(whole, "orders.load").source()).isEqualTo(load.source());
    assertThat(BufferStages.stage(whole, "orders").sink()).isEqualTo(extract.sink());
  }

  @Test
  void a_kafka_sink_or_a_replace_sink_cannot_take_a_buffer() throws Exception {
    Cli kafkaSink =
        Cli.run(
            "validate",
            file(CSV, BUFFER, "{ kafka: { bootstrap: \"127.0.0.1:9092\", topic: out } }")
                .toString());
    assertThat(kafkaSink.exit()).as(kafkaSink.toString()).isEqualTo(2);
    assertThat(kafkaSink.err())
        .contains("orders.yaml:5:")
        .contains("buffer: in front of a kafka sink would copy one topic into another");

    Cli replace =
        Cli.run(
            "validate",
            file(CSV, BUFFER, "{ postgres: { table: orders, mode: replace } }").toString());
    assertThat(replace.exit()).as(replace.toString()).isEqualTo(2);
    assertThat(replace.err()).contains("orders.yaml:5:").contains("buffer: with mode replace");
  }

  @Test
  void a_kafka_source_needs_no_buffer() throws Exception {
    Path file =
        file(
            "{ kafka: { bootstrap: \"127.0.0.1:9092\", topic: orders } }",
            BUFFER,
            "{ postgres: { table: orders, mode: append } }");
    Files.writeString(
        file, Files.readString(file).replace("partitions: { values: [eu, us] }\n", ""));

    Cli cli = Cli.run("validate", file.toString());

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err()).contains("a kafka source needs no buffer: it is one already");
  }

  @Test
  void unknown_keys_a_missing_topic_and_reserved_properties_are_named_with_line_and_column()
      throws Exception {
    Cli cli =
        Cli.run(
            "validate",
            file(
                    CSV,
                    "{ kafka: { bootstrap: \"127.0.0.1:9092\", alert_afterr: 5m,"
                        + " properties: { acks: \"1\" } } }",
                    UPSERT)
                .toString());

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("orders.yaml:5:")
        .contains("alert_afterr")
        .contains("did you mean 'alert_after'")
        .contains("buffer.kafka needs 'topic'")
        .contains("buffer.kafka.properties.acks is set by keel");

    Cli kind = Cli.run("validate", file(CSV, "{ kafak: { topic: x } }", UPSERT).toString());
    assertThat(kind.exit()).as(kind.toString()).isEqualTo(2);
    assertThat(kind.err()).contains("orders.yaml:5:").contains("did you mean 'kafka'");
  }

  @Test
  void a_missing_bootstrap_and_a_topic_name_kafka_would_refuse_are_named_in_source_and_buffer()
      throws Exception {
    Cli cli =
        Cli.run(
            "validate",
            file(
                    "{ kafka: { topic: \"orders in\" } }",
                    "{ kafka: { topic: \"buffer/1\" } }",
                    UPSERT)
                .toString());

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("orders.yaml:3:")
        .contains("source.kafka needs 'bootstrap'")
        .contains("source.kafka.topic: 'orders in' is not a Kafka topic name")
        .contains("orders.yaml:5:")
        .contains("buffer.kafka needs 'bootstrap'")
        .contains("buffer.kafka.topic: 'buffer/1' is not a Kafka topic name");
  }

  @Test
  void a_kafka_sink_refuses_what_keel_sets_and_a_credential_written_as_its_value()
      throws Exception {
    Cli cli =
        validateSink(
            """
              kafka:
                bootstrap: "127.0.0.1:9092"
                topic: out
                properties:
                  acks: "1"
                  bootstrap.servers: "elsewhere:9092"
                  sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required"
            """);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("out.yaml:9:")
        .contains("sink.kafka.properties.acks is set by keel (transactions); remove it")
        .contains("sink.kafka.properties.bootstrap.servers is set by keel")
        .contains("and use sink.kafka.bootstrap")
        .contains("sink.kafka.properties.sasl.jaas.config holds a credential")
        .doesNotContain("PlainLoginModule");
  }

  @Test
  void a_kafka_sink_topic_name_kafka_would_refuse_is_named() throws Exception {
    Cli cli =
        validateSink(
            """
              kafka: { bootstrap: "127.0.0.1:9092", topic: "orders out" }
            """);

    assertThat(cli.exit()).as(cli.toString()).isEqualTo(2);
    assertThat(cli.err())
        .contains("out.yaml:5:")
        .contains("sink.kafka.topic: 'orders out' is not a Kafka topic name");
  }

  /** {@code keel validate} of out.yaml: a csv source, one column, and {@code sink} as given. */
  private Cli validateSink(String sink) throws Exception {
    Path file = dir.resolve("out.yaml");
    Files.writeString(
        file,
        """
        name: out
        source: { csv: { path: in.csv } }
        columns: { id: bigint }
        sink:
        """
            + sink);
    return Cli.run("validate", file.toString());
  }
}
