package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dead letters: written per claim, shown once per position as the newest claim saw it, superseded
 * by fence.
 */
class DeadLetterStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @RegisterExtension final FreshStore db = new FreshStore();

  private ClaimedTask claim() {
    return db.store().tasks().claim("node-a", null, 1, LEASE).get(0);
  }

  private void reject(ClaimedTask claim, String reason, long... positions) {
    try (DeadLetterStore.Writer w = db.store().deadLetters().writer(claim)) {
      for (long p : positions) {
        w.add(p, "raw " + p, reason);
      }
    }
  }

  /**
   * A first claim that rejected positions 1, 2, 3 and 10, given back, and the task claimed again.
   */
  private ClaimedTask[] twoClaims() {
    db.run("t", 3, "x");
    ClaimedTask first = claim();
    reject(first, "first", 1, 2, 3, 10);
    assertThat(db.store().tasks().release(first)).isTrue();
    ClaimedTask second = claim();
    reject(second, "second", 2);
    return new ClaimedTask[] {first, second};
  }

  private String letters(ClaimedTask t) {
    return String.join(
        ",",
        db.store().deadLetters().list("p", "x", t.runId(), 100).stream()
            .map(r -> r.position() + ":" + r.reason())
            .toList());
  }

  @Test
  void each_position_is_listed_once_as_the_newest_claim_rejected_it() {
    ClaimedTask[] claims = twoClaims();
    assertThat(letters(claims[1])).isEqualTo("1:first,2:second,3:first,10:first");
    assertThat(db.store().deadLetters().positions("p", "x", claims[1].runId()))
        .containsExactly(1, 2, 3, 10);
    assertThat(db.store().deadLetters().latestRun("p", "x")).hasValue(claims[1].runId());
    assertThat(db.store().deadLetters().latestRun("p", "other")).isEmpty();
  }

  @Test
  void
      a_publish_supersedes_what_earlier_claims_rejected_in_its_range_and_keeps_its_own_and_the_rest() {
    ClaimedTask[] claims = twoClaims();
    db.store().deadLetters().writer(claims[1]).supersede(1, 5);
    assertThat(letters(claims[1])).isEqualTo("2:second,10:first");
  }

  @Test
  void a_stale_claim_cannot_supersede_what_a_newer_claim_rejected() {
    ClaimedTask[] claims = twoClaims();
    db.store().deadLetters().writer(claims[0]).supersede(1, 100);
    assertThat(TestDatabase.count("select count(*) from keel.dead_letter")).isEqualTo(5);
  }

  @Test
  void a_long_raw_record_is_cut_and_a_nul_is_kept_visible() {
    db.run("t", 3, "x");
    ClaimedTask t = claim();
    try (DeadLetterStore.Writer w = db.store().deadLetters().writer(t)) {
      w.add(1, "x".repeat(DeadLetterStore.MAX_RAW_CHARS + 5), "too long");
      w.add(2, "a\u0000b", "nul");
    }
    assertThat(TestDatabase.rows("select length(raw) from keel.dead_letter where position = 1"))
        .containsExactly(String.valueOf(DeadLetterStore.MAX_RAW_CHARS + 1));
    assertThat(TestDatabase.value("select raw from keel.dead_letter where position = 2"))
        .doesNotContain("\u0000")
        .startsWith("a");
  }
}
