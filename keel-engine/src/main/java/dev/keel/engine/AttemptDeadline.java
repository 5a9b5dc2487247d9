package dev.keel.engine;

import dev.keel.runtime.AttemptTimeoutException;
import dev.keel.runtime.PartitionRunner;
import dev.keel.runtime.Step;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's {@code attempt_timeout} for one attempt, running on the worker's thread. When it
 * passes, the attempt is made to stop rather than only waited for: the work is told to stop at its
 * next check (before publishing), the source cancels its query and closes its connection (a read
 * blocked on a peer that never answers fails at once), and the worker is interrupted (a connect in
 * progress gives up). A failure that follows is then the timeout's, reported by {@link #translate}.
 *
 * <p>The interrupt can only land while the attempt is open: {@link #close()} and the firing exclude
 * each other, and close clears an interrupt the timeout sent, so the worker's next task does not
 * start interrupted. A publish in progress is not interrupted (its own socket timeout bounds it,
 * and a publish that completes is a success).
 */
final class AttemptDeadline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AttemptDeadline.class);

  /**
   * One timer thread for the process, idle (and gone) when no attempt runs; it only starts
   * cancellers.
   */
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final Duration limit;
  private final Thread worker;
  private final PartitionRunner runner;
  private final Supplier<Step> step;
  private final ScheduledFuture<?> timer;
  private boolean closed; // guarded by this
  private volatile Step firedDuring;

  private AttemptDeadline(Duration limit, PartitionRunner runner, Supplier<Step> step) {
    this.limit = limit;
    this.worker = Thread.currentThread();
    this.runner = runner;
    this.step = step;
    this.timer = TIMER.schedule(this::fire, limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Starts the clock for the attempt that runs on the calling thread. */
  static AttemptDeadline start(Duration limit, PartitionRunner runner, Supplier<Step> step) {
    return new AttemptDeadline(limit, runner, step);
  }

  private void fire() {
    Step during;
    synchronized (this) {
      if (closed) {
        return;
      }
      during = step.get();
      firedDuring = during;
      if (!during.publishing()) {
        worker.interrupt();
      }
    }
    log.warn(
        "attempt exceeded attempt_timeout {} during {}; cancelling its work", text(limit), during);
    // On its own thread: a cancel request to a database that does not answer waits for its own
    // timeout.
    Thread canceller = new Thread(runner::cancel, "keel-attempt-timeout");
    canceller.setDaemon(true);
    canceller.start();
  }

  /** Why the work must stop (checked between records and before publishing), or null. */
  String stopReason() {
    Step during = firedDuring;
    return during == null ? null : message(during);
  }

  /** {@code e} itself, or when the limit passed, the timeout with {@code e} as its cause. */
  RuntimeException translate(RuntimeException e) {
    Step during = firedDuring;
    if (during == null || e instanceof AttemptTimeoutException) {
      return e;
    }
    return new AttemptTimeoutException(
        message(during) + "; its work was cancelled (" + firstLine(e.getMessage()) + ")", e);
  }

  private String message(Step during) {
    return "attempt exceeded attempt_timeout " + text(limit) + " during " + during;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    timer.cancel(false);
    if (firedDuring != null) {
      Thread.interrupted(); // the timeout's interrupt, if it is still pending
    }
  }

  /** A duration as written in a pipeline file: 6h, 30m, 2s, 500ms. */
  static String text(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "keel-attempt-deadlines");
              thread.setDaemon(true);
              return thread;
            });
    t.setRemoveOnCancelPolicy(true);
    t.setKeepAliveTime(30, TimeUnit.SECONDS);
    t.allowCoreThreadTimeOut(true);
    return t;
  }
}
