package dev.keel.cli.engine;

import dev.keel.connectors.source.Sources;
import dev.keel.runtime.Backoff;
import dev.keel.runtime.Failures;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.PartitionResult;
import dev.keel.runtime.PartitionRunner;
import dev.keel.runtime.Sink;
import dev.keel.runtime.TaskControl;
import dev.keel.runtime.TaskRef;
import dev.keel.runtime.TaskStoppedException;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.ClaimedTask;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.LeaseLostException;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCounts;
import java.time.Duration;
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

  private final MetadataStore store;
  private final String node;

  public TaskExecutor(MetadataStore store, String node) {
    this.store = store;
    this.node = node;
  }

  public Outcome execute(ClaimedTask task, PipelineSpec spec, Sink sink, TaskControl control) {
    TaskRef ref = new TaskRef(task.id(), task.runId(), task.pipeline(), task.partition(), task.attempt(), task.fence());
    MDC.put("pipeline", task.pipeline());
    MDC.put("run", Long.toString(task.runId()));
    MDC.put("task", Long.toString(task.id()));
    MDC.put("partition", task.partition());
    MDC.put("attempt", Integer.toString(task.attempt()));
    long[] rejectedSoFar = {0};
    try (DeadLetterStore.Writer deadLetters = store.deadLetters().writer(task)) {
      try {
        sink.fence(task.partition(), task.fence());
        PartitionResult r = new PartitionRunner(spec, Sources::open).run(ref, sink, (pos, raw, reason) -> {
          rejectedSoFar[0]++;
          deadLetters.add(pos, raw, reason);
        }, control);
        deadLetters.flush();
        store.tasks().succeed(task, new TaskCounts(r.read(), r.filtered(), r.rejected(), r.published()));
        store.runs().refresh(task.runId());
        log.info("{}: published {} rows (read {}, filtered {}, rejected {}) in {} ms{}", ref, r.published(), r.read(),
            r.filtered(), r.rejected(), r.took().toMillis(), r.alreadyPublished() ? " (already published by an earlier attempt)" : "");
        return new Outcome(task, "succeeded", r, null);
      } catch (TaskStoppedException e) {
        // Stopped by its owner (lease lost, drain): not a failure of the task; the caller decides
        // whether to release it (drain) or leave it to the reaper and the next claim (lease lost).
        log.warn("{}", e.getMessage());
        return new Outcome(task, "stopped", null, e.getMessage());
      } catch (LeaseLostException e) {
        log.warn("{}: {}", ref, e.getMessage());
        return new Outcome(task, "lost", null, e.getMessage());
      } catch (RuntimeException e) {
        deadLetters.flush();
        try {
          return failed(task, ref, spec, e, rejectedSoFar[0]);
        } catch (LeaseLostException lost) {
          log.warn("{}: {}", ref, lost.getMessage());
          return new Outcome(task, "lost", null, lost.getMessage());
        }
      }
    } finally {
      MDC.clear();
    }
  }

  private Outcome failed(ClaimedTask task, TaskRef ref, PipelineSpec spec, RuntimeException e, long rejected) {
    boolean retry = Failures.isTransient(e);
    Duration backoff = retry ? Backoff.delay(task.attempt(), spec.retry().backoff(), spec.retry().maxBackoff(), ThreadLocalRandom.current()) : Duration.ZERO;
    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    if (e instanceof FenceRefusedException) {
      log.warn("{}", message);
    }
    String state;
    try {
      state = store.tasks().fail(task, message, retry, backoff, new TaskCounts(0, 0, rejected, 0));
    } catch (LeaseLostException lost) {
      log.warn("{}: {}", ref, lost.getMessage());
      return new Outcome(task, "lost", null, lost.getMessage());
    }
    store.runs().refresh(task.runId());
    if (state.equals("queued")) {
      log.warn("{}: attempt {} of {} failed ({}); retrying in {} ms", ref, task.attempt(), task.maxAttempts(), message, backoff.toMillis());
    } else {
      log.error("{}: failed{}: {}", ref, retry ? " after " + task.attempt() + " attempts" : " (permanent error, not retried)", message);
      log.debug("{}: failure detail", ref, e);
    }
    return new Outcome(task, state, null, message);
  }

  public String node() {
    return node;
  }
}
