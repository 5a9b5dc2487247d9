package dev.keel.engine.node;

import dev.keel.store.ExpiredLeases;
import dev.keel.store.MetadataStore;
import dev.keel.store.SharedOutage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tick: tasks whose lease ran out (by the database clock), or whose node's process died (its
 * database session ended, {@link dev.keel.store.NodeSession}), go back to the queue after their
 * backoff, or fail when that was their last attempt; their runs are refreshed. Every node reaps;
 * SKIP LOCKED lets them do so at once without waiting on each other. The previous owner is fenced
 * out by the next claim, which takes a newer token and records it at the sink. Each tick also
 * refreshes open runs whose state fell behind their tasks (a refresh that never happened).
 */
final class Reaper implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Reaper.class);
  static final int BATCH = 100;

  private final MetadataStore store;
  private final Duration outageThreshold;
  private final Runnable onReaped;
  private final Duration sessionGrace;

  /**
   * @param lease this node's lease, from which the shared-outage threshold follows ({@link
   *     SharedOutage})
   * @param sessionGrace how long a node's session lock may be gone before the node is believed dead
   *     ({@link dev.keel.store.NodeSession#GRACE})
   */
  Reaper(MetadataStore store, Duration lease, Duration sessionGrace, Runnable onReaped) {
    this.store = store;
    this.sessionGrace = sessionGrace;
    this.outageThreshold = SharedOutage.thresholdFor(lease);
    this.onReaped = onReaped;
  }

  /** Past the grace by the database clock, however the two timers drift. */
  private static final long RECHECK_MARGIN_MS = 20;

  private void recheck() {
    try {
      run();
    } catch (RuntimeException e) {
      log.debug(
          "reaping after a session's grace failed (the next tick retries): {}", e.getMessage());
    }
  }

  @Override
  public void run() {
    List<ExpiredLeases.Reaped> reaped;
    do {
      ExpiredLeases.Tick tick =
          store.expiredLeases().reapTick(BATCH, outageThreshold, sessionGrace);
      reaped = tick.reaped();
      if (!tick.lostSessions().isEmpty()) {
        // a node's lock just went: look again when its grace ends, not at a later tick (a crash's
        // takeover waits for the grace, not for the grace rounded up to the reaper's period)
        log.debug("sessions of {} lost; looking again in {}", tick.lostSessions(), sessionGrace);
        CompletableFuture.delayedExecutor(
                sessionGrace.toMillis() + RECHECK_MARGIN_MS, TimeUnit.MILLISECONDS)
            .execute(this::recheck);
      }
      Set<Long> runs = new HashSet<>();
      for (ExpiredLeases.Reaped r : reaped) {
        runs.add(r.runId());
        log.warn(
            "{}/{} (run {}, task {}): {} node {} {} during attempt {}; task {}",
            r.pipeline(),
            r.partition(),
            r.runId(),
            r.id(),
            r.sessionEnded() ? "the database session of" : "the lease of",
            r.previousOwner(),
            r.sessionEnded() ? "ended (its process died)" : "expired",
            r.attempt(),
            r.state().equals("failed") ? "failed, no attempts left" : "requeued");
      }
      runs.forEach(store.runs()::refresh);
      if (!reaped.isEmpty()) {
        onReaped.run();
        // a requeued task waits out its backoff first: wake the claim loop when it is due, not a
        // poll interval later (a crash's takeover is this node's next claim)
        store.expiredLeases().dueIn(reaped).stream()
            .filter(d -> !d.isZero())
            .distinct()
            .forEach(
                d ->
                    CompletableFuture.delayedExecutor(d.toMillis() + 1, TimeUnit.MILLISECONDS)
                        .execute(onReaped));
      }
    } while (reaped.size() == BATCH);
    for (long run : store.runs().refreshStale()) {
      log.info(
          "run {}: its state was behind its tasks (a refresh was lost, e.g. a node died right after a task's"
              + " commit); refreshed, now {}",
          run,
          store.runs().state(run));
    }
  }
}
