package dev.keel.engine;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.runtime.Backoff;
import dev.keel.runtime.FailureCause;
import dev.keel.runtime.Failures;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.PartitionResult;
import dev.keel.runtime.PartitionRunner;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.runtime.Sink;
import dev.keel.runtime.SourceOpener;
import dev.keel.runtime.Step;
import dev.keel.runtime.TaskControl;
import dev.keel.runtime.TaskOutcome;
import dev.keel.runtime.TaskRef;
import dev.keel.runtime.TaskStoppedException;
import dev.keel.spec.JdbcUrls;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.ClaimedTask;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.LeaseLostException;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCompletions;
import dev.keel.store.TaskCounts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Executes one claimed task: fences the partition at the sink, runs the partition, and records the
 * outcome with the claim's fencing token. A transient failure goes back to the queue after a
 * jittered backoff; a permanent one fails the task at once.
 */
public final class TaskExecutor {
  private static final Logger log = LoggerFactory.getLogger(TaskExecutor.class);

  /**
   * The outcome of one attempt, for its worker and for summaries. {@link #state()} is its text
   * ({@code succeeded}, {@code queued}, {@code failed}, {@code waiting}, {@code stopped}, {@code
   * lost}).
   */
  public record Outcome(
      ClaimedTask task, TaskOutcome outcome, PartitionResult result, String error) {
    public String state() {
      return outcome.text();
    }
  }

  /**
   * Failure causes that say the sink's database went away (lost or refused connections, its
   * shutdown or restart, a server that became read-only because the primary moved).
   */
  private static final Set<FailureCause> SINK_AWAY =
      EnumSet.of(FailureCause.CONNECTION, FailureCause.SHUTDOWN, FailureCause.FAILOVER);

  private final MetadataStore store;
  private final String node;
  private final RuntimeEvents events;
  private final SinkBreakers breakers;
  private final SourceOpener sources;

  /** This executor's workers share commits of their successes and run refreshes. */
  private final TaskCompletions completions;

  private TaskExecutor(Builder b) {
    this.store = b.store;
    this.node = b.node;
    this.events = b.events;
    this.breakers = b.breakers != null ? b.breakers : new SinkBreakers(SinkBreakers.DEFAULT_WAIT);
    this.sources = b.sources != null ? b.sources : Connectors.installed()::open;
    this.completions = b.completions != null ? b.completions : new TaskCompletions(store);
  }

  /**
   * An executor for {@code node} (its name in logs) recording in {@code store}; the rest has
   * defaults.
   */
  public static Builder builder(MetadataStore store, String node) {
    return new Builder(store, node);
  }

  /** How an executor is made; every setting but the store and the node is optional. */
  public static final class Builder {
    private final MetadataStore store;
    private final String node;
    private RuntimeEvents events = RuntimeEvents.NONE;
    private SinkBreakers breakers;
    private SourceOpener sources;
    private TaskCompletions completions;

    private Builder(MetadataStore store, String node) {
      this.store = store;
      this.node = node;
    }

    /**
     * An observer of task outcomes (metrics); see {@link RuntimeEvents} for its contract. None by
     * default.
     */
    public Builder events(RuntimeEvents events) {
      this.events = events;
      return this;
    }

    /**
     * The circuit breakers of this process's sinks (shared by its executors); by default its own,
     * with the default wait.
     */
    public Builder breakers(SinkBreakers breakers) {
      this.breakers = breakers;
      return this;
    }

    /**
     * The group commit of this node's successes (which may claim its next tasks too); by default
     * its own.
     */
    public Builder completions(TaskCompletions completions) {
      this.completions = completions;
      return this;
    }

    /**
     * Reads sources through {@code sources} (e.g. only some positions, for a replay); by default
     * the installed connectors.
     */
    public Builder sources(SourceOpener sources) {
      this.sources = sources;
      return this;
    }

    public TaskExecutor build() {
      return new TaskExecutor(this);
    }
  }

  public Outcome execute(ClaimedTask task, PipelineSpec spec, Sink sink, TaskControl control) {
    TaskRef ref =
        new TaskRef(
            task.id(),
            task.runId(),
            task.pipeline(),
            task.partition(),
            task.attempt(),
            task.fence());
    MDC.put("pipeline", task.pipeline());
    MDC.put("run", Long.toString(task.runId()));
    MDC.put("task", Long.toString(task.id()));
    MDC.put("partition", task.partition());
    MDC.put("attempt", Integer.toString(task.attempt()));
    MDC.put("node", node);
    long started = System.nanoTime();
    long restartsAtStart = sink.restarts();
    PartitionRunner runner = new PartitionRunner(spec, sources);
    CallRetry calls = new CallRetry(ref, spec.retry());
    String sinkKey = sinkKey(spec);
    CircuitBreaker breaker = breakers.of(sinkKey);
    if (!breaker.tryAcquirePermission()) {
      try {
        return waitForSink(task, sinkKey, calls, null);
      } finally {
        MDC.clear();
      }
    }
    try (DeadLetterStore.Writer deadLetters = store.deadLetters().writer(task)) {
      Attempt attempt = new Attempt(runner, deadLetters, calls, started);
      try {
        PartitionResult r;
        // The attempt's time limit covers fencing and running, not recording the outcome.
        try (AttemptDeadline deadline =
            AttemptDeadline.start(spec.attemptTimeout(), runner, attempt::step)) {
          TaskControl limited =
              () -> {
                String why = deadline.stopReason();
                return why != null ? why : control.stopReason();
              };
          try {
            // Not retried in process: while the sink is down, its breaker decides (a retry would
            // wait
            // out the pool's connection timeout once per try).
            sink.fence(task.partition(), task.fence());
            attempt.step(null);
            r =
                runner.run(
                    ref,
                    sink,
                    attempt,
                    limited,
                    checkpoint -> {
                      calls.run(
                          "saving the checkpoint for keel status",
                          () ->
                              store
                                  .checkpoints()
                                  .save(task, checkpoint.position(), checkpoint.read()));
                    });
          } catch (RuntimeException e) {
            throw deadline.translate(e);
          }
        }
        breaker.onSuccess(attempt.elapsedNanos(), TimeUnit.NANOSECONDS);
        attempt.settle();
        attempt.step(Step.RECORDING_SUCCESS);
        calls.run("writing dead letters", deadLetters::flush);
        // Published: from here a metadata blip must not turn the task into a failure (the retry
        // would find the load id, but only after re-reading the whole partition).
        boolean refresh =
            calls.call(
                "recording the success",
                () ->
                    completions.succeed(
                        task, new TaskCounts(r.read(), r.filtered(), r.rejected(), r.published())));
        if (refresh) {
          calls.run("refreshing the run", () -> completions.refresh(task.runId()));
        }
        long lag = runner.lag();
        if (lag >= 0) {
          calls.run(
              "recording the source lag",
              () -> store.sourceLags().record(task.pipeline(), task.partition(), lag));
        }
        events.taskSucceeded(ref, r);
        if (r.rejected() > 0) {
          events.rowsRejected(ref, r.rejected());
        }
        log.info(
            "{}: published {} rows (read {}, filtered {}, rejected {}) in {} ms{}",
            ref,
            r.published(),
            r.read(),
            r.filtered(),
            r.rejected(),
            r.took().toMillis(),
            r.alreadyPublished()
                ? " (already published by an earlier attempt)"
                : r.resumedRead() > 0
                    ? " (resumed after a checkpoint: "
                        + r.resumedRead()
                        + " records were read by earlier attempts, "
                        + (r.read() - r.resumedRead())
                        + " by this one)"
                    : "");
        return new Outcome(task, TaskOutcome.SUCCEEDED, r, null);
      } catch (TaskStoppedException e) {
        // Stopped by its owner (lease lost, drain): not a failure of the task; the caller decides
        // whether to release it (drain) or leave it to the reaper and the next claim (lease lost).
        if (!attempt.settled()) {
          breaker.releasePermission();
        }
        log.warn("{}", e.getMessage());
        return new Outcome(task, TaskOutcome.STOPPED, null, e.getMessage());
      } catch (LeaseLostException lost) {
        // Published (the fence allowed it) but the queue gave the task to a newer claim meanwhile;
        // that claim re-publishes idempotently or finds the load id.
        log.warn("{}: {}", ref, lost.getMessage());
        events.leaseLost(ref);
        return new Outcome(task, TaskOutcome.LOST, null, lost.getMessage());
      } catch (RuntimeException | Error caught) {
        // An Error (out of memory, a stack overflow) fails the task like any other failure: a
        // worker
        // that let it escape would leave the task held and the run open.
        RuntimeException e =
            caught instanceof RuntimeException re
                ? re
                : new KeelException("a worker failed: " + caught, caught);
        calls.run("writing dead letters", deadLetters::flush);
        Step failedStep = attempt.step();
        boolean sinkAway = SINK_AWAY.contains(Failures.causeOf(e)) || Failures.couldNotConnect(e);
        if (failedStep.sinkSide() && sinkAway) {
          breaker.onError(attempt.elapsedNanos(), TimeUnit.NANOSECONDS, e);
          // The sink is down (its breaker opened), or went away during this attempt (no connection
          // could be made, it cannot be reached now, or its server restarted since the attempt
          // began): an outage, not this task broken; wait for it without spending the attempt. A
          // connection that broke while the server stayed up is a blip and spends the attempt, so
          // a task that breaks its own connection every time still runs out of attempts.
          // A read-only server (a standby behind a multi-host URL) is a failover in progress, never
          // this task's fault: the pool dropped that connection and the next finds the new primary.
          if (breaker.getState() == CircuitBreaker.State.OPEN
              || Failures.couldNotConnect(e)
              || Failures.isFailover(e)
              || sink.wentAwaySince(restartsAtStart)) {
            return waitForSink(task, sinkKey, calls, e);
          }
        } else if (!attempt.settled()) {
          breaker.releasePermission();
        }
        if (attempt.rejected() > 0) {
          events.rowsRejected(ref, attempt.rejected());
        }
        try {
          return failed(
              task,
              ref,
              spec,
              calls,
              failedStep,
              e,
              attempt.rejected(),
              Duration.ofNanos(attempt.elapsedNanos()));
        } catch (LeaseLostException lost) {
          log.warn("{}: {}", ref, lost.getMessage());
          events.leaseLost(ref);
          return new Outcome(task, TaskOutcome.LOST, null, lost.getMessage());
        }
      }
    } finally {
      MDC.clear();
    }
  }

  private Outcome failed(
      ClaimedTask task,
      TaskRef ref,
      PipelineSpec spec,
      CallRetry calls,
      Step step,
      RuntimeException e,
      long rejected,
      Duration took) {
    Failures.Verdict verdict = Failures.classify(e);
    boolean retry = verdict.retry();
    Duration backoff =
        retry
            ? Backoff.delay(task.attempt(), spec.retry(), ThreadLocalRandom.current())
            : Duration.ZERO;
    String message = actionable(task, step, verdict, e);
    if (e instanceof FenceRefusedException) {
      log.warn("{}", message);
      events.fenceRefused(ref);
    }
    TaskOutcome outcome;
    try {
      outcome =
          calls.call(
              "recording the failure",
              () ->
                  store
                      .tasks()
                      .fail(task, message, retry, backoff, new TaskCounts(0, 0, rejected, 0)));
    } catch (LeaseLostException lost) {
      log.warn("{}: {}", ref, lost.getMessage());
      events.leaseLost(ref);
      return new Outcome(task, TaskOutcome.LOST, null, lost.getMessage());
    }
    calls.run("refreshing the run", () -> completions.refresh(task.runId()));
    FailureCause cause = Failures.causeOf(e);
    boolean queued = outcome == TaskOutcome.RETRY;
    events.taskFailed(ref, took, cause, queued);
    if (queued) {
      events.retryScheduled(ref, cause, backoff);
    }
    if (queued) {
      log.warn(
          "{}: attempt {} of {} failed ({}); retrying in {} ms",
          ref,
          task.attempt(),
          task.maxAttempts(),
          message,
          backoff.toMillis());
    } else {
      log.error(
          "{}: failed{}: {}", ref, retry ? " after " + task.attempt() + " attempts" : "", message);
      log.debug("{}: failure detail", ref, e);
    }
    return new Outcome(task, outcome, null, message);
  }

  /**
   * Records a failure that escaped {@link #execute} (not retried: it is not the work's), and
   * refreshes the run, so that neither stays open. Returns the outcome; never throws for a
   * recording that fails too (the lease then runs out and the reaper requeues the task).
   */
  public Outcome failUnexpectedly(ClaimedTask task, Throwable e) {
    String message =
        "pipeline "
            + task.pipeline()
            + ", partition "
            + task.partition()
            + ", attempt "
            + task.attempt()
            + ": a worker failed: "
            + e;
    log.error("{}", message, e);
    try {
      TaskOutcome outcome =
          store.tasks().fail(task, message, false, Duration.ZERO, new TaskCounts(0, 0, 0, 0));
      completions.refresh(task.runId());
      return new Outcome(task, outcome, null, message);
    } catch (RuntimeException again) {
      log.warn(
          "recording the failure of task {} failed too ({}); the reaper will requeue it when its lease runs out",
          task.id(),
          again.getMessage());
      return new Outcome(task, TaskOutcome.LOST, null, message);
    }
  }

  /**
   * Back to the queue, due after the breaker's wait, with the attempt given back and a note for
   * keel status.
   */
  private Outcome waitForSink(
      ClaimedTask task, String sinkKey, CallRetry calls, RuntimeException cause) {
    Instant since = breakers.outageSince(sinkKey);
    String why =
        cause == null
            ? ""
            : " (" + Failures.classify(cause).kind() + ": " + firstLine(cause.getMessage()) + ")";
    Duration due = breakers.untilProbe(sinkKey);
    String note =
        "waiting for sink "
            + sinkKey
            + " since "
            + (since == null ? breakers.now() : since)
            + why
            + "; no attempt spent, next try in "
            + due.toMillis() / 1000.0
            + " s";
    boolean queued =
        calls.call("putting the task back to wait", () -> store.tasks().waitFor(task, note, due));
    calls.run("refreshing the run", () -> completions.refresh(task.runId()));
    log.debug("{}/{} (task {}): {}", task.pipeline(), task.partition(), task.id(), note);
    return new Outcome(task, queued ? TaskOutcome.WAITING : TaskOutcome.LOST, null, note);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * The sink's database as named in logs and notes: its URL without credentials, or the metadata
   * database.
   */
  static String sinkKey(PipelineSpec spec) {
    String endpoint = spec.sink().endpoint();
    return endpoint != null ? JdbcUrls.redact(endpoint) : "metadata database";
  }

  /**
   * What failed, where and why, in one line a person can act on: pipeline, partition, step, the
   * classification, the cause, and (when permanent) what to do.
   */
  static String actionable(ClaimedTask task, Step step, Failures.Verdict verdict, Throwable e) {
    String cause = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    return "pipeline "
        + task.pipeline()
        + ", partition "
        + task.partition()
        + ", attempt "
        + task.attempt()
        + ": "
        + step
        + " failed: "
        + verdict.kind()
        + (verdict.retry() ? " (transient): " : " (permanent, not retried): ")
        + cause
        + (verdict.retry() || Failures.causeOf(e) != FailureCause.PERMANENT
            ? ""
            : " -- no retry can fix this; correct the pipeline, the source or the target, then run it again");
  }

  public String node() {
    return node;
  }
}
