package dev.keel.cli.node;

import dev.keel.cli.engine.TaskExecutor;
import dev.keel.runtime.Backoff;
import dev.keel.runtime.Failures;
import dev.keel.store.ClaimedTask;
import dev.keel.store.LeaseLostException;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCounts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop and the worker slots. The loop claims, in one statement, as many due tasks as
 * there are free slots (up to the claim batch), hands each to a worker, and claims again as soon as
 * a slot frees or the poll interval passes. Draining stops the loop; tasks in hand finish or are
 * released.
 */
final class Workers {
  private static final Logger log = LoggerFactory.getLogger(Workers.class);

  /** Executes one claimed task with its stop control; the node's is {@link TaskExecutor}, a benchmark's a no-op. */
  interface Work {
    String execute(ClaimedTask task, HeldTasks.Held control);
  }

  private final MetadataStore store;
  private final NodeConfig config;
  private final HeldTasks held;
  private final Work work;
  private final ExecutorService pool;
  private final Semaphore wake = new Semaphore(0);
  private volatile boolean claiming = true;
  private Thread loop;

  Workers(MetadataStore store, NodeConfig config, HeldTasks held, Work work) {
    this.store = store;
    this.config = config;
    this.held = held;
    this.work = work;
    this.pool = Executors.newFixedThreadPool(config.workers(), r -> {
      Thread t = new Thread(r, "keel-worker");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    loop = new Thread(this::claimLoop, "keel-claim");
    loop.setDaemon(true);
    loop.start();
  }

  /** Claim now rather than at the next poll (a slot freed, or the reaper requeued tasks). */
  void wake() {
    wake.release();
  }

  private void claimLoop() {
    long failures = 0;
    while (claiming) {
      boolean more = false;
      try {
        more = claimOnce();
        failures = 0;
      } catch (RuntimeException e) {
        if (failures++ == 0) {
          log.warn("claiming tasks failed (will retry every {} ms): {}", config.poll().toMillis(), e.getMessage());
        }
      }
      if (!more) {
        try {
          wake.tryAcquire(config.poll().toMillis(), TimeUnit.MILLISECONDS);
          wake.drainPermits();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Returns true when every free slot was filled and more tasks may be due. */
  boolean claimOnce() {
    int free = config.workers() - held.size();
    if (free <= 0 || !claiming) {
      return false;
    }
    int want = Math.min(free, config.claimBatch());
    long sent = System.nanoTime();
    List<ClaimedTask> claimed = store.tasks().claim(config.nodeId(), null, want, config.lease());
    for (ClaimedTask task : claimed) {
      HeldTasks.Held h = held.add(task, sent);
      log.debug("claimed {}/{} (run {}, task {}, attempt {}, fence {})", task.pipeline(), task.partition(), task.runId(), task.id(),
          task.attempt(), task.fence());
      pool.execute(() -> execute(h));
    }
    return claimed.size() == want && held.size() < config.workers();
  }

  private void execute(HeldTasks.Held h) {
    ClaimedTask task = h.task;
    try {
      String state = work.execute(task, h);
      if (state.equals("stopped") && h.draining()) {
        boolean released = store.tasks().release(task);
        log.info("{}/{} (task {}): released to the queue without spending an attempt{}", task.pipeline(), task.partition(),
            task.id(), released ? "" : " (it had been taken over already)");
      }
    } catch (RuntimeException e) {
      failOutsideRunner(task, e);
    } finally {
      held.remove(task);
      wake();
    }
  }

  /** The task could not even start (its version did not load, the sink could not be prepared). */
  private void failOutsideRunner(ClaimedTask task, RuntimeException e) {
    boolean retry = Failures.isTransient(e);
    Duration backoff = retry ? Backoff.delay(task.attempt(), Duration.ofSeconds(1), Duration.ofMinutes(1), ThreadLocalRandom.current())
        : Duration.ZERO;
    log.error("{}/{} (task {}): could not start: {}", task.pipeline(), task.partition(), task.id(), e.getMessage());
    try {
      store.tasks().fail(task, e.getMessage(), retry, backoff, new TaskCounts(0, 0, 0, 0));
      store.runs().refresh(task.runId());
    } catch (LeaseLostException lost) {
      log.warn("{}", lost.getMessage());
    } catch (RuntimeException again) {
      log.warn("recording the failure of task {} failed too ({}); the reaper will requeue it when its lease runs out",
          task.id(), again.getMessage());
    }
  }

  /** Stops claiming; tasks in hand go on. */
  void stopClaiming() {
    claiming = false;
    wake();
  }

  /** Waits up to {@code timeout} for the tasks in hand to end; returns how many are still running. */
  int awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (held.size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return held.size();
  }

  void shutdown() {
    pool.shutdownNow();
  }
}
