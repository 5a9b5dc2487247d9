package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node paused while preparing a pipeline's sink (holding the lock) does not block the others. */
class SinkPrepareLockTest {
  @TempDir Path dir;

  private MetadataStore store;
  private long version;

  @BeforeEach
  void setUp() throws Exception {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    Path file = dir.resolve("items.yaml");
    String text =
        """
        name: items
        source: { csv: { path: items.csv } }
        columns: { id: bigint, name: text }
        sink: { postgres: { table: items, mode: append } }
        """;
    Files.writeString(file, text);
    version = store.versions().save("items", "h1", text, file.toString());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  @Timeout(60)
  void a_held_preparation_lock_is_waited_for_a_bounded_time_then_the_sink_is_prepared_without_it()
      throws Exception {
    try (Connection paused = DriverManager.getConnection(TestDatabase.url());
        PreparedStatement lock =
            paused.prepareStatement("SELECT pg_advisory_lock(hashtext('keel-prepare:items'))")) {
      lock.execute();
      try (StoredPipelines pipelines = new StoredPipelines(store, Duration.ofMillis(300))) {
        StoredPipelines.Loaded loaded = pipelines.get(version);
        assertThat(loaded.spec().name()).isEqualTo("items");
      }
      assertThat(
              TestDatabase.count(
                  "select count(*) from information_schema.tables where table_name = 'items'"))
          .isEqualTo(1);
    }
  }

  @Test
  void the_lock_is_free_again_after_a_preparation() throws Exception {
    try (StoredPipelines pipelines = new StoredPipelines(store, Duration.ofMillis(300))) {
      pipelines.get(version);
    }
    assertThat(TestDatabase.rows("select pg_try_advisory_lock(hashtext('keel-prepare:items'))"))
        .containsExactly("t");
  }
}
