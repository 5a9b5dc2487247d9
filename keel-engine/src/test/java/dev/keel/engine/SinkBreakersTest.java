package dev.keel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An open sink breaker probes soon after opening, then twice as long each time the probe fails, up
 * to the wait.
 */
class SinkBreakersTest {
  static void fail(CircuitBreaker cb) {
    cb.onError(1, TimeUnit.MILLISECONDS, new IOException("connection refused"));
  }

  @Test
  void
      probes_back_off_from_a_second_to_the_configured_wait_and_start_again_after_the_sink_returns() {
    SinkBreakers breakers = new SinkBreakers(Duration.ofSeconds(30));
    CircuitBreaker cb = breakers.of("sink");
    for (int i = 0; i < SinkBreakers.MIN_CALLS; i++) {
      fail(cb);
    }
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakers.untilProbe("sink")).isEqualTo(Duration.ofSeconds(1));

    long[] expected = {2, 4, 8, 16, 30, 30};
    for (long seconds : expected) {
      cb.transitionToHalfOpenState(); // the wait passed: one probe goes through, and fails
      fail(cb);
      assertThat(breakers.untilProbe("sink")).isEqualTo(Duration.ofSeconds(seconds));
    }

    cb.transitionToHalfOpenState();
    cb.onSuccess(1, TimeUnit.MILLISECONDS);
    assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breakers.outageSince("sink")).isNull();
    for (int i = 0; i < SinkBreakers.MIN_CALLS; i++) {
      fail(cb);
    }
    assertThat(breakers.untilProbe("sink"))
        .as("a new outage starts from the first probe again")
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void the_open_interval_resilience4j_waits_is_the_one_tasks_are_put_back_for() {
    SinkBreakers breakers = new SinkBreakers(Duration.ofMillis(500));
    CircuitBreaker cb = breakers.of("sink");
    for (int i = 0; i < SinkBreakers.MIN_CALLS; i++) {
      fail(cb);
    }
    assertThat(breakers.untilProbe("sink"))
        .isEqualTo(Duration.ofMillis(500)); // a wait under a second caps the first probe
    assertThat(cb.tryAcquirePermission()).isFalse();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(cb::tryAcquirePermission);
  }
}
