package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Checkpoints (one row per task, overwritten) and pipeline versions (one row per distinct text).
 */
class CheckpointsAndVersionsTest {
  @RegisterExtension final FreshStore db = new FreshStore();

  @Test
  void a_checkpoint_saved_again_replaces_the_previous_one() {
    db.run("t", 3, "x");
    ClaimedTask t = db.store().tasks().claim("node-a", null, 1, Duration.ofSeconds(30)).get(0);
    db.store().checkpoints().save(t, "line:100", 100);
    db.store().checkpoints().save(t, "line:250", 250);
    assertThat(TestDatabase.rows("select task_id, position, rows_done from keel.checkpoint"))
        .containsExactly(t.id() + "|line:250|250");
  }

  @Test
  void saving_the_same_text_again_returns_its_id_and_makes_it_current() {
    PipelineVersions versions = db.store().versions();
    long first = versions.save("p", "h1", "name: p # 1", "a.yaml");
    long second = versions.save("p", "h2", "name: p # 2", "a.yaml");
    assertThat(versions.current("p")).map(PipelineVersions.Stored::id).contains(second);

    assertThat(versions.save("p", "h1", "name: p # 1", "b.yaml")).isEqualTo(first);

    assertThat(versions.current("p"))
        .contains(new PipelineVersions.Stored(first, "p", "name: p # 1", "b.yaml"));
    assertThat(versions.load(second)).map(PipelineVersions.Stored::spec).contains("name: p # 2");
    assertThat(versions.load(-1)).isEmpty();
    assertThat(versions.current("q")).isEmpty();
  }
}
