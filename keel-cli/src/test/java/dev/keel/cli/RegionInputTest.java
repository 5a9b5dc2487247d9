package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Region names on the command line and in a pipeline file: a bad one is bad input (exit 2, with
 * line and column in a file); a region no node has ever used is only a warning.
 */
class RegionInputTest {
  @TempDir Path dir;

  private Path pipeline(String regions) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: items
        source: { csv: { path: items.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { key: [id] } }
        """
            + regions);
    return file;
  }

  @Test
  void an_empty_region_list_is_refused_with_its_line_and_column() throws IOException {
    Cli cli = Cli.run("validate", pipeline("regions: []\n").toString());
    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml:5:10").contains("regions must name at least one region");
  }

  @Test
  void a_region_listed_twice_is_refused_at_the_repeat() throws IOException {
    Cli cli = Cli.run("validate", pipeline("regions: [eu, us, eu]\n").toString());
    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml:5:19").contains("region 'eu' is listed twice");
  }

  @Test
  void a_malformed_region_name_is_refused() throws IOException {
    Cli cli = Cli.run("validate", pipeline("regions: [EU_West]\n").toString());
    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("p.yaml:5:").contains("[a-z0-9-]{1,32}");
  }

  @Test
  void a_node_with_a_malformed_region_exits_2_before_connecting() {
    Cli cli =
        Cli.run("node", "--db", "jdbc:postgresql://127.0.0.1:1/none", "--region", "Not A Region");
    assertThat(cli.exit()).isEqualTo(2);
    assertThat(cli.err()).contains("--region").contains("[a-z0-9-]{1,32}");
  }

  @Test
  void validate_warns_of_a_region_no_node_has_used_but_succeeds() throws IOException {
    TestDatabase.reset();
    // A node of eu once registered here (its schema made by keel status).
    assertThat(Cli.run("status", "--db", TestDatabase.url()).exit()).isZero();
    TestDatabase.exec(
        "INSERT INTO keel.node (id, host, pid, state, region) VALUES ('n1', 'h', 1, 'stopped', 'eu')");

    Cli cli =
        Cli.run("validate", pipeline("regions: [eu, us]\n").toString(), "--db", TestDatabase.url());

    assertThat(cli.exit()).isZero();
    assertThat(cli.err())
        .contains("warning: regions: no node has ever run in region 'us'")
        .doesNotContain("region 'eu'");
  }
}
