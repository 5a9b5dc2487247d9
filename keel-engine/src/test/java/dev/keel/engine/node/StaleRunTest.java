package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A run whose refresh was lost (its node died right after a task's commit) is settled by any node's
 * reaper tick.
 */
class StaleRunTest {
  private MetadataStore store;
  private long version;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
    version = store.versions().save("p", "h", "name: p", null);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void a_run_whose_tasks_all_ended_without_a_refresh_is_settled_by_the_reaper_tick() {
    long done =
        store.runs().create("p", version, "a", Instant.now(), List.of("x", "y"), 1).orElseThrow();
    long failed =
        store.runs().create("p", version, "b", Instant.now(), List.of("x", "y"), 1).orElseThrow();
    long open =
        store.runs().create("p", version, "c", Instant.now(), List.of("x", "y"), 1).orElseThrow();
    long started =
        store.runs().create("p", version, "d", Instant.now(), List.of("x", "y"), 1).orElseThrow();
    long untouched =
        store.runs().create("p", version, "e", Instant.now(), List.of("x", "y"), 1).orElseThrow();
    // Task commits whose run refresh never came.
    TestDatabase.exec(
        "update keel.run set state = 'running' where id in (" + done + ", " + failed + ")",
        "update keel.task set state = 'succeeded', finished_at = now() where run_id = " + done,
        "update keel.task set state = 'failed', finished_at = now() where run_id = "
            + failed
            + " and partition = 'x'",
        "update keel.task set state = 'succeeded', finished_at = now() where run_id = "
            + failed
            + " and partition = 'y'",
        "update keel.task set state = 'succeeded', finished_at = now() where run_id = "
            + open
            + " and partition = 'x'");
    store.tasks().claim("node-a", started, 1, Duration.ofSeconds(30));

    new Reaper(store, java.time.Duration.ofSeconds(10), java.time.Duration.ZERO, () -> {}).run();

    assertThat(store.runs().state(done)).isEqualTo("succeeded");
    assertThat(store.runs().state(failed)).isEqualTo("failed");
    assertThat(store.runs().state(open)).isEqualTo("running");
    assertThat(store.runs().state(started)).isEqualTo("running");
    assertThat(store.runs().state(untouched)).isEqualTo("queued");
    assertThat(
            TestDatabase.rows(
                "select finished_at is not null from keel.run where id in ("
                    + done
                    + ", "
                    + failed
                    + ")"))
        .containsExactly("t", "t");
  }
}
