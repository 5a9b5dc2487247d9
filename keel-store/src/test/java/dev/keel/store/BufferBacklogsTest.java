package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One node measures a buffered pipeline's backlog per interval, not every node. */
class BufferBacklogsTest {
  static final Duration EVERY = Duration.ofSeconds(5);

  @RegisterExtension final FreshStore db = new FreshStore();

  BufferBacklogs backlogs() {
    return db.store().bufferBacklogs();
  }

  void measured(String pipeline) {
    backlogs()
        .save(
            pipeline,
            List.of(
                new BufferBacklogs.Partition("0", "orders/0/10", 3, Instant.now()),
                new BufferBacklogs.Partition("1", "orders/1/4", 0, null)));
  }

  @Test
  void a_pipeline_never_measured_is_claimed_by_whoever_looks() {
    assertThat(backlogs().claim("p", EVERY)).isTrue();
    assertThat(backlogs().claim("p", EVERY)).as("nothing saved yet: still unmeasured").isTrue();
  }

  @Test
  void once_measured_nobody_claims_it_again_until_the_interval_has_passed() {
    measured("p");
    assertThat(backlogs().claim("p", EVERY)).isFalse();
    assertThat(backlogs().claim("other", EVERY)).as("another pipeline").isTrue();

    TestDatabase.exec("update keel.buffer_backlog set checked_at = now() - interval '5 seconds'");
    assertThat(backlogs().claim("p", EVERY)).isTrue();
    assertThat(backlogs().claim("p", EVERY)).as("the claim moved the check time").isFalse();
    assertThat(backlogs().summaries())
        .singleElement()
        .satisfies(s -> assertThat(s.records()).isEqualTo(3));
  }

  @RepeatedTest(5)
  void two_nodes_looking_at_once_measure_once() throws Exception {
    measured("p");
    TestDatabase.exec("update keel.buffer_backlog set checked_at = now() - interval '1 minute'");
    CyclicBarrier together = new CyclicBarrier(2);
    CompletableFuture<Boolean> a = CompletableFuture.supplyAsync(() -> claimTogether(together));
    CompletableFuture<Boolean> b = CompletableFuture.supplyAsync(() -> claimTogether(together));

    assertThat(List.of(a.get(), b.get())).containsExactlyInAnyOrder(true, false);
  }

  private boolean claimTogether(CyclicBarrier together) {
    try {
      together.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return backlogs().claim("p", EVERY);
  }
}
