package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.store.PipelineProblems;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline folder a node watches, on a real PostgreSQL. */
class PipelineCatalogTest {
  static MetadataStore store;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "catalog-test"));
  }

  @AfterAll
  static void stop() throws Exception {
    store.close();
  }

  static String pipeline(String table) {
    return """
        name: watched
        source:
          csv: { path: "data.csv", header: true }
        columns:
          id: bigint
        sink:
          postgres: { table: %s, mode: append }
        """
        .formatted(table);
  }

  @Test
  void a_changed_file_becomes_the_next_version_and_an_invalid_one_keeps_the_previous()
      throws Exception {
    Path file = dir.resolve("watched.yaml");
    Files.writeString(file, pipeline("first"));
    PipelineCatalog catalog = new PipelineCatalog(store, dir, "node-t");
    catalog.run();
    long v1 = catalog.byName().get("watched").versionId();
    assertThat(store.versions().current("watched").orElseThrow().id()).isEqualTo(v1);

    Files.writeString(file, pipeline("second"));
    catalog.run();
    long v2 = catalog.byName().get("watched").versionId();
    assertThat(v2).isNotEqualTo(v1);
    assertThat(store.versions().current("watched").orElseThrow().spec()).contains("table: second");
    assertThat(store.versions().load(v2).orElseThrow().sourceFile()).isEqualTo(file.toString());

    Files.writeString(file, pipeline("second").replace("columns:", "colums:"));
    catalog.run();
    assertThat(catalog.byName().get("watched").versionId())
        .as("the previous valid version stays current")
        .isEqualTo(v2);
    assertThat(store.problems().list())
        .extracting(PipelineProblems.Problem::sourceFile, PipelineProblems.Problem::pipeline)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(file.toString(), "watched"));
    assertThat(store.problems().list().get(0).problem()).contains("colums");

    Files.writeString(file, pipeline("third"));
    catalog.run();
    assertThat(store.problems().list()).isEmpty();
    assertThat(catalog.byName().get("watched").spec().text()).contains("table: third");
  }
}
