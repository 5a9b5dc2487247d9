package dev.keel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.RetrySpec;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** In-process retries of small calls: transient errors only, within the pipeline's attempts. */
class CallRetryTest {
  private static final RetrySpec FAST =
      new RetrySpec(4, Duration.ofMillis(1), Duration.ofMillis(5));

  private static RuntimeException connectionLost() {
    return new IllegalStateException(
        "writing",
        new SQLException("An I/O error occurred while sending to the backend.", "08006"));
  }

  @Test
  void a_call_that_fails_transiently_twice_succeeds_on_the_third_try() {
    AtomicInteger tries = new AtomicInteger();

    String result =
        new CallRetry("task", FAST)
            .call(
                "recording the success",
                () -> {
                  if (tries.incrementAndGet() < 3) {
                    throw connectionLost();
                  }
                  return "done";
                });

    assertThat(result).isEqualTo("done");
    assertThat(tries).hasValue(3);
  }

  @Test
  void a_permanent_error_is_thrown_after_one_try() {
    AtomicInteger tries = new AtomicInteger();
    RuntimeException permanent =
        new IllegalStateException("bad", new SQLException("relation does not exist", "42P01"));

    assertThatThrownBy(
            () ->
                new CallRetry("task", FAST)
                    .run(
                        "recording the success",
                        () -> {
                          tries.incrementAndGet();
                          throw permanent;
                        }))
        .isSameAs(permanent);
    assertThat(tries).hasValue(1);
  }

  @Test
  void after_the_last_attempt_the_last_error_is_thrown() {
    AtomicInteger tries = new AtomicInteger();

    assertThatThrownBy(
            () ->
                new CallRetry("task", FAST)
                    .run(
                        "fencing",
                        () -> {
                          tries.incrementAndGet();
                          throw connectionLost();
                        }))
        .hasMessage("writing");
    assertThat(tries).hasValue(FAST.attempts());
  }
}
