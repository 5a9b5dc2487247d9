package dev.keel.cli.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A connector kind registered only in test resources runs through keel validate and keel run. */
class PluginConnectorTest {
  @TempDir Path dir;

  @BeforeEach
  void clean() {
    TestDatabase.reset();
  }

  @Test
  void a_source_kind_from_a_services_file_is_validated_and_run_end_to_end() throws Exception {
    Path file = dir.resolve("seq.yaml");
    Files.writeString(
        file,
        """
        name: seq
        source: { sequence: { rows: 2500 } }
        columns: { id: bigint, note: text }
        transform:
          - filter: "id % 2 == 0"
        sink: { postgres: { table: seq, key: [id], mode: upsert } }
        """);

    Cli validate = Cli.run("validate", file.toString());
    assertThat(validate.exit()).as(validate.toString()).isZero();
    assertThat(validate.out())
        .contains("ok — pipeline seq, 2 columns, 1 partitions, upsert into public.seq");

    Cli run = Cli.runPipeline(file);
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).contains("run 1 of seq into public.seq (upsert)");
    assertThat(TestDatabase.value("SELECT count(*) || ' ' || sum(id) FROM seq"))
        .isEqualTo("1250 1563750");
  }

  @Test
  void a_mistake_in_a_plugin_section_is_reported_with_line_and_column_by_the_plugin()
      throws Exception {
    Path file = dir.resolve("seq.yaml");
    Files.writeString(
        file,
        """
        name: seq
        source:
          sequence: { rows: 10, rowz: 3 }
        columns: { id: bigint }
        sink: { postgres: { table: seq } }
        """);

    Cli validate = Cli.run("validate", file.toString());
    assertThat(validate.exit()).isEqualTo(2);
    assertThat(validate.err())
        .contains("seq.yaml:3:25: unknown key 'rowz' in source.sequence; did you mean 'rows'?");
  }

  @Test
  void an_unknown_kind_is_reported_with_its_line_and_the_kinds_installed() throws Exception {
    Path file = dir.resolve("seq.yaml");
    Files.writeString(
        file,
        """
        name: seq
        source:
          sequense: { rows: 10 }
        columns: { id: bigint }
        sink: { postgres: { table: seq } }
        """);

    Cli validate = Cli.run("validate", file.toString());
    assertThat(validate.exit()).isEqualTo(2);
    assertThat(validate.err())
        .contains("seq.yaml:3:3: unknown key 'sequense' in source; did you mean 'sequence'?");
  }
}
