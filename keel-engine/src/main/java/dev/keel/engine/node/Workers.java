package dev.keel.engine.node;

import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.Backoff;
import dev.keel.runtime.FailureCause;
import dev.keel.runtime.Failures;
import dev.keel.runtime.TaskOutcome;
import dev.keel.store.ClaimedTask;
import dev.keel.store.LeaseLostException;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCompletions;
import dev.keel.store.TaskCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker slots and the claims that fill them. A claim is one statement for as many due tasks as
 * there are free slots (up to the claim batch), never more: a claimed task's lease runs from the
 * claim. A worker that finishes a task claims the next one itself, at once, on its own thread; when
 * a claim of the node is already in flight it leaves a note instead, and that claimer claims again
 * for all slots freed meanwhile, so short tasks are claimed several per statement. The claim loop
 * fills slots at start, after a poll interval with nothing due, and when woken (the reaper requeued
 * tasks, a claim failed). Free slots are permits ({@link Slots}): concurrent claims cannot together
 * take more tasks than there are slots. Draining stops all claims; tasks in hand finish or are
 * released.
 */
final class Workers implements TaskCompletions.Refill {
  /** When a task that could not start because the database went away is due again. */
  static final Duration DATABASE_RETRY = Duration.ofSeconds(2);

  /** How often a task that could not start is put back before its node leaves it to the reaper. */
  static final int PUT_BACK_TRIES = 150;

  private static final Logger log = LoggerFactory.getLogger(Workers.class);

  /**
   * Executes one claimed task with its stop control; the node's is {@link TaskExecutor}, a
   * benchmark's a no-op.
   */
  interface Work {
    TaskOutcome execute(ClaimedTask task, HeldTasks.Held control);
  }

  private final MetadataStore store;
  private final NodeConfig config;
  private final HeldTasks held;
  private final Work work;
  private final ExecutorService pool;
  private final Semaphore wake = new Semaphore(0);
  private final Slots slots;

  /** A worker that finished a task wants a claim (see {@link #claimNext}). */
  private final AtomicBoolean claimWanted = new AtomicBoolean();

  /** A worker is claiming after its task; the others leave it a note in {@link #claimWanted}. */
  private final AtomicBoolean workerClaimRunning = new AtomicBoolean();

  private Thread loop;

  /**
   * {@code completions}: the node's group commit of successes, which claims for these slots too.
   */
  Workers(
      MetadataStore store,
      NodeConfig config,
      HeldTasks held,
      TaskCompletions completions,
      Work work) {
    this.store = store;
    this.config = config;
    this.held = held;
    this.work = work;
    this.slots = new Slots(config.workers());
    this.pool =
        Executors.newFixedThreadPool(
            config.workers(),
            r -> {
              Thread t = new Thread(r, "keel-worker");
              t.setDaemon(true);
              return t;
            });
    completions.refillWith(config.nodeId(), config.region(), config.lease(), config.clock(), this);
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
    while (slots.claiming()) {
      boolean more = false;
      try {
        more = claimOnce();
        failures = 0;
      } catch (RuntimeException e) {
        if (failures++ == 0) {
          log.warn(
              "claiming tasks failed (will retry every {} ms): {}",
              config.poll().toMillis(),
              e.getMessage());
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

  /**
   * Returns true when every slot it took was filled and more tasks may be due. May run on any
   * thread.
   */
  boolean claimOnce() {
    // Counted before claiming is read: stopClaiming then awaitIdle either stops this claim or waits
    // for it.
    if (!slots.beginClaim()) {
      return false;
    }
    try {
      return claimOnceCounted();
    } finally {
      slots.endClaim();
    }
  }

  private boolean claimOnceCounted() {
    int want = slots.take(config.claimBatch());
    if (want == 0) {
      return false;
    }
    // when the claim is sent, not when a connection was asked for: the leases begin no earlier,
    // and after an outage the pool may make it wait longer than a lease
    AtomicReference<Instant> sent = new AtomicReference<>(config.clock().instant());
    List<ClaimedTask> claimed;
    try {
      claimed =
          store
              .tasks()
              .claim(
                  config.nodeId(),
                  config.region(),
                  null,
                  want,
                  config.lease(),
                  () -> sent.set(config.clock().instant()));
    } catch (RuntimeException e) {
      slots.release(want);
      throw e;
    }
    slots.release(want - claimed.size());
    dispatch(claimed, sent.get());
    return claimed.size() == want && slots.anyFree();
  }

  private void execute(HeldTasks.Held h) {
    ClaimedTask task = h.task;
    try {
      TaskOutcome outcome = work.execute(task, h);
      if (outcome == TaskOutcome.STOPPED && h.draining()) {
        boolean released = store.tasks().release(task);
        log.info(
            "{}/{} (task {}): released to the queue without spending an attempt{}",
            task.pipeline(),
            task.partition(),
            task.id(),
            released ? "" : " (it had been taken over already)");
      }
    } catch (RuntimeException | Error e) {
      // An Error escaping here would end the pool's thread with the task still held (and renewed).
      failOutsideRunner(h, e);
    } finally {
      held.remove(task);
      slots.ended(task);
    }
    claimNext();
  }

  /**
   * Right after a task: claim on this worker thread, unless a claim of this node is already in
   * flight; then that claimer claims again when it returns, for every slot freed meanwhile (one
   * statement for several tasks: the claims batch when tasks are short). On failure leave it to the
   * claim loop.
   */
  private void claimNext() {
    claimWanted.set(true);
    while (claimWanted.get() && workerClaimRunning.compareAndSet(false, true)) {
      try {
        claimWanted.set(false);
        if (claimOnce()) {
          claimWanted.set(true);
        }
      } catch (RuntimeException e) {
        log.debug("claiming after a task failed ({}); the claim loop retries", e.getMessage());
        wake();
        return;
      } finally {
        workerClaimRunning.set(false);
      }
    }
  }

  /**
   * Complete-and-claim: the statement recording the successes of {@code finishing} claims for their
   * slots (they end with it) and for the slots free now.
   */
  @Override
  public int reserve(List<ClaimedTask> finishing) {
    if (!slots.beginClaim()) {
      return 0;
    }
    List<ClaimedTask> ours = new ArrayList<>(finishing.size());
    for (ClaimedTask t : finishing) {
      if (held.get(t) != null) {
        ours.add(t);
      }
    }
    int want = slots.handOver(ours, config.claimBatch());
    want += slots.take(config.claimBatch() - want);
    if (want == 0) {
      slots.endClaim();
    }
    return want;
  }

  @Override
  public void claimed(
      int reserved,
      List<ClaimedTask> finishing,
      List<ClaimedTask> claimed,
      Instant sent,
      boolean failed) {
    if (reserved == 0) {
      return;
    }
    try {
      settle(reserved, finishing, claimed, sent, failed);
    } finally {
      slots.endClaim();
    }
  }

  private void settle(
      int reserved,
      List<ClaimedTask> finishing,
      List<ClaimedTask> claimed,
      Instant sent,
      boolean failed) {
    if (failed) {
      // Nothing was recorded: the finishing tasks keep their slots and free them as usual.
      int passed = slots.takeBack(finishing);
      slots.release(reserved - passed);
      return;
    }
    slots.release(reserved - claimed.size());
    dispatch(claimed, sent);
  }

  /**
   * Runs what a claim returned, each task on its slot. A claim that returns after the drain began
   * (it was sent before) is given back at once, not run: the drain promised no new work. A task the
   * pool refuses (shut down, or no thread could be made) is given back too, never left held: the
   * heartbeat would renew its lease for as long as the node lives, and nobody would run it.
   */
  private void dispatch(List<ClaimedTask> claimed, Instant sent) {
    for (ClaimedTask task : claimed) {
      if (!slots.claiming()) {
        slots.release(1);
        giveBack(task, "claimed as the node began draining");
        continue;
      }
      HeldTasks.Held h = held.add(task, sent);
      log.debug(
          "claimed {}/{} (run {}, task {}, attempt {}, fence {})",
          task.pipeline(),
          task.partition(),
          task.runId(),
          task.id(),
          task.attempt(),
          task.fence());
      try {
        pool.execute(() -> execute(h));
      } catch (RuntimeException | Error e) {
        held.remove(task);
        slots.release(1);
        giveBack(task, "the worker pool refused it (" + e + ")");
      }
    }
  }

  /**
   * Back to the queue without spending an attempt; if that fails, the reaper requeues it when its
   * lease runs out.
   */
  private void giveBack(ClaimedTask task, String why) {
    try {
      boolean released = store.tasks().release(task);
      log.info(
          "{}/{} (task {}): {}; released to the queue without spending an attempt{}",
          task.pipeline(),
          task.partition(),
          task.id(),
          why,
          released ? "" : " (it had been taken over already)");
    } catch (RuntimeException e) {
      log.warn(
          "{}/{} (task {}): {}; releasing it failed ({}); the reaper will requeue it when its lease runs out",
          task.pipeline(),
          task.partition(),
          task.id(),
          why,
          e.getMessage());
    }
  }

  /**
   * The task could not even start (its version did not load, the sink could not be prepared), or
   * its worker failed outside the executor's own handling (an Error).
   */
  private void failOutsideRunner(HeldTasks.Held h, Throwable e) {
    ClaimedTask task = h.task;
    FailureCause cause = Failures.causeOf(e);
    if (!(e instanceof Error)
        && (cause == FailureCause.CONNECTION
            || cause == FailureCause.SHUTDOWN
            || cause == FailureCause.FAILOVER)) {
      // The database went away while the task was being set up (its version loaded, its sink
      // prepared): an outage, not the task; it waits without spending an attempt, like a task
      // whose sink is down.
      waitForDatabase(h, e);
      return;
    }
    boolean retry = Failures.isTransient(e);
    Duration backoff =
        retry
            ? Backoff.delay(
                task.attempt(),
                Duration.ofSeconds(1),
                Duration.ofMinutes(1),
                ThreadLocalRandom.current())
            : Duration.ZERO;
    String message =
        e instanceof Error || e.getMessage() == null ? "a worker failed: " + e : e.getMessage();
    log.error(
        "{}/{} (task {}): could not start: {}",
        task.pipeline(),
        task.partition(),
        task.id(),
        message);
    try {
      store.tasks().fail(task, message, retry, backoff, new TaskCounts(0, 0, 0, 0));
      store.runs().refresh(task.runId());
    } catch (LeaseLostException lost) {
      log.warn("{}", lost.getMessage());
    } catch (RuntimeException again) {
      log.warn(
          "recording the failure of task {} failed too ({}); the reaper will requeue it when its lease runs out",
          task.id(),
          again.getMessage());
    }
  }

  /**
   * Puts a task that could not start because the database went away back to wait, without spending
   * an attempt. While the database does not answer, the task stays held (the heartbeat renews its
   * lease when it can, and an outage every node shared does not count against it) and putting it
   * back is tried again every {@link #DATABASE_RETRY}: given up, it would keep its claim until the
   * lease ran out and the reaper would spend its attempt. Gives up when the task is no longer this
   * node's (lease lost, draining) or after {@link #PUT_BACK_TRIES} tries.
   */
  private void waitForDatabase(HeldTasks.Held h, Throwable e) {
    ClaimedTask task = h.task;
    String note =
        "could not start: the database did not answer ("
            + Failures.classify(e).kind()
            + "); no attempt spent, next try in "
            + DATABASE_RETRY.toSeconds()
            + " s";
    for (int tries = 1; ; tries++) {
      try {
        boolean waiting = store.tasks().waitFor(task, note, DATABASE_RETRY);
        store.runs().refresh(task.runId());
        log.info(
            "{}/{} (task {}): {}{}",
            task.pipeline(),
            task.partition(),
            task.id(),
            note,
            waiting ? "" : " (it had been taken over already)");
        return;
      } catch (RuntimeException again) {
        String stop = h.stopReason();
        if (stop != null || tries >= PUT_BACK_TRIES || !pauseBeforeRetry()) {
          log.warn(
              "{}/{} (task {}): {}; putting it back failed too ({}); the reaper will requeue it when its lease runs out",
              task.pipeline(),
              task.partition(),
              task.id(),
              note,
              again.getMessage());
          return;
        }
        if (tries == 1) {
          log.info(
              "{}/{} (task {}): {}; putting it back failed ({}): the node keeps it and tries again every {} s",
              task.pipeline(),
              task.partition(),
              task.id(),
              note,
              again.getMessage(),
              DATABASE_RETRY.toSeconds());
        }
      }
    }
  }

  /** Waits {@link #DATABASE_RETRY}; false when the thread was interrupted (the node stops). */
  private static boolean pauseBeforeRetry() {
    try {
      Thread.sleep(DATABASE_RETRY.toMillis());
      return true;
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops claiming; tasks in hand go on. */
  void stopClaiming() {
    slots.stop();
    wake();
  }

  /**
   * Waits up to {@code timeout} for the tasks in hand to end, and for claims in flight to return
   * (what they claimed after {@link #stopClaiming} is given back); returns how many tasks are still
   * running plus the claims still in flight.
   */
  int awaitIdle(Duration timeout) throws InterruptedException {
    Instant deadline = config.clock().instant().plus(timeout);
    while (busy() > 0 && config.clock().instant().isBefore(deadline)) {
      Thread.sleep(50);
    }
    return busy();
  }

  private int busy() {
    // The claims first: a claim adds its tasks to held before it stops counting.
    int claims = slots.claimsInFlight();
    return claims + held.size();
  }

  void shutdown() {
    pool.shutdownNow();
  }
}
