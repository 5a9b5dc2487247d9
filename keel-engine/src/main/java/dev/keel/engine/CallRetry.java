package dev.keel.engine;

import dev.keel.runtime.Backoff;
import dev.keel.runtime.Failures;
import dev.keel.spec.RetrySpec;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries, in process, a small call that failed transiently: a metadata write after a publish (the
 * task's success, a checkpoint, dead letters), the sink's fence. Resilience4j does the mechanics;
 * which errors are retried is {@link Failures#isTransient} and the waits are the pipeline's {@link
 * Backoff}, each capped at {@link #MAX_WAIT} so a blip costs seconds, not the lease.
 *
 * <p>Only for calls that are safe to repeat: the fenced task writes refuse a second effect (0 rows
 * means taken over), the fence keeps the greatest token, a checkpoint is an upsert. A dead-letter
 * batch whose commit was in doubt may be written twice; replay keys on positions, so the duplicate
 * is harmless.
 */
final class CallRetry {
  private static final Logger log = LoggerFactory.getLogger(CallRetry.class);

  /** The longest single wait between in-process tries, whatever the pipeline's max_backoff. */
  static final Duration MAX_WAIT = Duration.ofSeconds(5);

  private final Retry retry;
  private final Object owner;

  /**
   * @param owner named in the log lines (the task)
   */
  CallRetry(Object owner, RetrySpec spec) {
    this.owner = owner;
    RetrySpec capped =
        new RetrySpec(
            spec.attempts(),
            min(spec.backoff(), MAX_WAIT),
            min(spec.maxBackoff(), MAX_WAIT),
            spec.jitter());
    IntervalFunction waits =
        attempt -> Backoff.delay(attempt, capped, ThreadLocalRandom.current()).toMillis();
    this.retry =
        Retry.of(
            String.valueOf(owner),
            RetryConfig.custom()
                .maxAttempts(Math.max(1, spec.attempts()))
                .intervalFunction(waits)
                .retryOnException(Failures::isTransient)
                .failAfterMaxAttempts(false)
                .build());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  <T> T call(String doing, Supplier<T> call) {
    return Retry.decorateSupplier(
            retry,
            () -> {
              try {
                return call.get();
              } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                  log.warn("{}: {} failed ({}); trying again", owner, doing, e.getMessage());
                }
                throw e;
              }
            })
        .get();
  }

  void run(String doing, Runnable call) {
    call(
        doing,
        () -> {
          call.run();
          return null;
        });
  }
}
