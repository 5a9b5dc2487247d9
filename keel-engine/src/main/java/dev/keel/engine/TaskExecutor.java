package dev.keel.engine;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.runtime.Backoff;
import dev.keel.runtime.Failures;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.PartitionResult;
import dev.keel.runtime.PartitionRunner;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.Sink;
import dev.keel.runtime.SourceOpener;
import dev.keel.runtime.TaskControl;
import dev.keel.runtime.TaskRef;
import dev.keel.runtime.TaskStoppedException;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.ClaimedTask;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.LeaseLostException;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCompletions;
import dev.keel.store.TaskCounts;
import dev.keel.store.JdbcUrls;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
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

  /** The outcome of one attempt, for summaries. */
  public record Outcome(ClaimedTask task, String state, PartitionResult result, String error) {}

  /** Where a failure counts against the sink's circuit breaker (when it is a connection failure). */
  private static final String FENCING = "fencing the partition at the sink";
  /** Failure causes that say the sink's database went away (lost or refused connections, its shutdown or restart). */
  private static final Set<String> SINK_AWAY = Set.of("connection", "shutdown");
  private static final Set<String> SINK_STEPS = Set.of(FENCING, "starting to stage into the sink", "reading the checkpoint",
      "staging rows", "publishing a chunk", "publishing");

  private final MetadataStore store;
  private final String node;
  private final RuntimeEvents events;
  private final SinkBreakers breakers;
  private final SourceOpener sources;
  /** This executor's workers share commits of their successes and run refreshes. */
  private final TaskCompletions completions;

  public TaskExecutor(MetadataStore store, String node) {
    this(store, node, RuntimeEvents.NONE);
  }

  /** With an observer of task outcomes (metrics); see {@link RuntimeEvents} for its contract. */
  public TaskExecutor(MetadataStore store, String node, RuntimeEvents events) {
    this(store, node, events, new SinkBreakers(SinkBreakers.DEFAULT_WAIT));
  }

  /** With the circuit breakers of this process's sinks (shared by its executors). */
  public TaskExecutor(MetadataStore store, String node, RuntimeEvents events, SinkBreakers breakers) {
    this(store, node, events, breakers, new TaskCompletions(store));
  }

  /** With the group commit of this node's successes (which may claim its next tasks too). */
  public TaskExecutor(MetadataStore store, String node, RuntimeEvents events, SinkBreakers breakers, TaskCompletions completions) {
    this(store, node, events, breakers, Connectors.installed()::open, completions);
  }

  private TaskExecutor(MetadataStore store, String node, RuntimeEvents events, SinkBreakers breakers, SourceOpener sources,
      TaskCompletions completions) {
    this.store = store;
    this.completions = completions;
    this.node = node;
    this.events = events;
    this.breakers = breakers;
    this.sources = sources;
  }

  /** The same executor reading sources through {@code sources} (e.g. only some positions, for a replay). */
  public TaskExecutor withSources(SourceOpener sources) {
    return new TaskExecutor(store, node, events, breakers, sources, completions);
  }

  public Outcome execute(ClaimedTask task, PipelineSpec spec, Sink sink, TaskControl control) {
    TaskRef ref = new TaskRef(task.id(), task.runId(), task.pipeline(), task.partition(), task.attempt(), task.fence());
    MDC.put("pipeline", task.pipeline());
    MDC.put("run", Long.toString(task.runId()));
    MDC.put("task", Long.toString(task.id()));
    MDC.put("partition", task.partition());
    MDC.put("attempt", Integer.toString(task.attempt()));
    MDC.put("node", node);
    long[] rejectedSoFar = {0};
    long started = System.nanoTime();
    Instant attemptBegan = Instant.now().minusSeconds(1); // the server's clock may be a little behind ours
    PartitionRunner runner = new PartitionRunner(spec, sources);
    String[] step = {FENCING};
    boolean[] settled = {false};
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
      try {
        Rejects rejects = new Rejects() {
          @Override
          public void reject(long position, String raw, String reason) {
            rejectedSoFar[0]++;
            deadLetters.add(position, raw, reason);
          }

          @Override
          public void flush() {
            calls.run("writing dead letters", deadLetters::flush);
          }

          @Override
          public void supersede(long fromPosition, long toPosition) {
            calls.run("voiding earlier attempts' dead letters", () -> deadLetters.supersede(fromPosition, toPosition));
          }
        };
        PartitionResult r;
        // The attempt's time limit covers fencing and running, not recording the outcome.
        try (AttemptDeadline deadline = AttemptDeadline.start(spec.attemptTimeout(), runner,
            () -> step[0] == null ? runner.step() : step[0])) {
          TaskControl limited = () -> {
            String why = deadline.stopReason();
            return why != null ? why : control.stopReason();
          };
          try {
            // Not retried in process: while the sink is down, its breaker decides (a retry would wait
            // out the pool's connection timeout once per try).
            sink.fence(task.partition(), task.fence());
            step[0] = null;
            r = runner.run(ref, sink, rejects, limited, checkpoint -> {
              calls.run("saving the checkpoint for keel status", () -> store.checkpoints().save(task, checkpoint.position(),
                  checkpoint.read()));
            });
          } catch (RuntimeException e) {
            throw deadline.translate(e);
          }
        }
        breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        settled[0] = true;
        step[0] = "recording the success in the metadata database";
        calls.run("writing dead letters", deadLetters::flush);
        // Published: from here a metadata blip must not turn the task into a failure (the retry
        // would find the load id, but only after re-reading the whole partition).
        boolean refresh = calls.call("recording the success", () -> completions.succeed(task, new TaskCounts(r.read(),
            r.filtered(), r.rejected(), r.published())));
        if (refresh) {
          calls.run("refreshing the run", () -> completions.refresh(task.runId()));
        }
        events.taskSucceeded(ref, r);
        if (r.rejected() > 0) {
          events.rowsRejected(ref, r.rejected());
        }
        log.info("{}: published {} rows (read {}, filtered {}, rejected {}) in {} ms{}", ref, r.published(), r.read(),
            r.filtered(), r.rejected(), r.took().toMillis(), r.alreadyPublished() ? " (already published by an earlier attempt)"
                : r.resumedRead() > 0 ? " (resumed after a checkpoint: " + r.resumedRead() + " records were read by earlier attempts, "
                    + (r.read() - r.resumedRead()) + " by this one)" : "");
        return new Outcome(task, "succeeded", r, null);
      } catch (TaskStoppedException e) {
        // Stopped by its owner (lease lost, drain): not a failure of the task; the caller decides
        // whether to release it (drain) or leave it to the reaper and the next claim (lease lost).
        if (!settled[0]) {
          breaker.releasePermission();
        }
        log.warn("{}", e.getMessage());
        return new Outcome(task, "stopped", null, e.getMessage());
      } catch (LeaseLostException lost) {
        // Published (the fence allowed it) but the queue gave the task to a newer claim meanwhile;
        // that claim re-publishes idempotently or finds the load id.
        log.warn("{}: {}", ref, lost.getMessage());
        events.leaseLost(ref);
        return new Outcome(task, "lost", null, lost.getMessage());
      } catch (RuntimeException | Error caught) {
        // An Error (out of memory, a stack overflow) fails the task like any other failure: a worker
        // that let it escape would leave the task held and the run open.
        RuntimeException e = caught instanceof RuntimeException re ? re
            : new KeelException("a worker failed: " + caught, caught);
        calls.run("writing dead letters", deadLetters::flush);
        String failedStep = step[0] == null ? runner.step() : step[0];
        if (SINK_STEPS.contains(failedStep) && SINK_AWAY.contains(Failures.cause(e))) {
          breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
          // The sink is down (its breaker opened), or went away during this attempt (it cannot be
          // reached now, or its server restarted since the attempt began): an outage, not this task
          // broken; wait for it without spending the attempt. A connection that broke while the
          // server stayed up is a blip and spends the attempt, so a task that breaks its own
          // connection every time still runs out of attempts.
          if (breaker.getState() == CircuitBreaker.State.OPEN || sink.wentAwaySince(attemptBegan)) {
            return waitForSink(task, sinkKey, calls, e);
          }
        } else if (!settled[0]) {
          breaker.releasePermission();
        }
        if (rejectedSoFar[0] > 0) {
          events.rowsRejected(ref, rejectedSoFar[0]);
        }
        try {
          return failed(task, ref, spec, calls, failedStep, e, rejectedSoFar[0], Duration.ofNanos(System.nanoTime() - started));
        } catch (LeaseLostException lost) {
          log.warn("{}: {}", ref, lost.getMessage());
          events.leaseLost(ref);
          return new Outcome(task, "lost", null, lost.getMessage());
        }
      }
    } finally {
      MDC.clear();
    }
  }

  private Outcome failed(ClaimedTask task, TaskRef ref, PipelineSpec spec, CallRetry calls, String step, RuntimeException e,
      long rejected, Duration took) {
    Failures.Verdict verdict = Failures.classify(e);
    boolean retry = verdict.retry();
    Duration backoff = retry ? Backoff.delay(task.attempt(), spec.retry(), ThreadLocalRandom.current()) : Duration.ZERO;
    String message = actionable(task, step, verdict, e);
    if (e instanceof FenceRefusedException) {
      log.warn("{}", message);
      events.fenceRefused(ref);
    }
    String state;
    try {
      state = calls.call("recording the failure", () -> store.tasks().fail(task, message, retry, backoff, new TaskCounts(0, 0, rejected, 0)));
    } catch (LeaseLostException lost) {
      log.warn("{}: {}", ref, lost.getMessage());
      events.leaseLost(ref);
      return new Outcome(task, "lost", null, lost.getMessage());
    }
    calls.run("refreshing the run", () -> completions.refresh(task.runId()));
    String cause = Failures.cause(e);
    events.taskFailed(ref, took, cause, state.equals("queued"));
    if (state.equals("queued")) {
      events.retryScheduled(ref, cause, backoff);
    }
    if (state.equals("queued")) {
      log.warn("{}: attempt {} of {} failed ({}); retrying in {} ms", ref, task.attempt(), task.maxAttempts(), message, backoff.toMillis());
    } else {
      log.error("{}: failed{}: {}", ref, retry ? " after " + task.attempt() + " attempts" : "", message);
      log.debug("{}: failure detail", ref, e);
    }
    return new Outcome(task, state, null, message);
  }

  /**
   * Records a failure that escaped {@link #execute} (not retried: it is not the work's), and
   * refreshes the run, so that neither stays open. Returns the outcome; never throws for a
   * recording that fails too (the lease then runs out and the reaper requeues the task).
   */
  public Outcome failUnexpectedly(ClaimedTask task, Throwable e) {
    String message = "pipeline " + task.pipeline() + ", partition " + task.partition() + ", attempt " + task.attempt()
        + ": a worker failed: " + e;
    log.error("{}", message, e);
    try {
      String state = store.tasks().fail(task, message, false, Duration.ZERO, new TaskCounts(0, 0, 0, 0));
      completions.refresh(task.runId());
      return new Outcome(task, state, null, message);
    } catch (RuntimeException again) {
      log.warn("recording the failure of task {} failed too ({}); the reaper will requeue it when its lease runs out", task.id(),
          again.getMessage());
      return new Outcome(task, "lost", null, message);
    }
  }

  /** Back to the queue, due after the breaker's wait, with the attempt given back and a note for keel status. */
  private Outcome waitForSink(ClaimedTask task, String sinkKey, CallRetry calls, RuntimeException cause) {
    Instant since = breakers.outageSince(sinkKey);
    String why = cause == null ? "" : " (" + Failures.classify(cause).kind() + ": " + firstLine(cause.getMessage()) + ")";
    Duration due = breakers.untilProbe(sinkKey);
    String note = "waiting for sink " + sinkKey + " since " + (since == null ? Instant.now() : since) + why
        + "; no attempt spent, next try in " + due.toMillis() / 1000.0 + " s";
    boolean queued = calls.call("putting the task back to wait", () -> store.tasks().waitFor(task, note, due));
    calls.run("refreshing the run", () -> completions.refresh(task.runId()));
    log.debug("{}/{} (task {}): {}", task.pipeline(), task.partition(), task.id(), note);
    return new Outcome(task, queued ? "waiting" : "lost", null, note);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The sink's database as named in logs and notes: its URL without credentials, or the metadata database. */
  static String sinkKey(PipelineSpec spec) {
    String endpoint = spec.sink().endpoint();
    return endpoint != null ? JdbcUrls.redact(endpoint) : "metadata database";
  }

  /**
   * What failed, where and why, in one line a person can act on: pipeline, partition, step, the
   * classification, the cause, and (when permanent) what to do.
   */
  static String actionable(ClaimedTask task, String step, Failures.Verdict verdict, Throwable e) {
    String cause = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    return "pipeline " + task.pipeline() + ", partition " + task.partition() + ", attempt " + task.attempt() + ": " + step
        + " failed: " + verdict.kind() + (verdict.retry() ? " (transient): " : " (permanent, not retried): ") + cause
        + (verdict.retry() || !Failures.cause(e).equals("permanent") ? ""
            : " -- no retry can fix this; correct the pipeline, the source or the target, then run it again");
  }

  public String node() {
    return node;
  }
}
