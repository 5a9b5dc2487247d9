package dev.keel.engine.node;

import dev.keel.runtime.TaskControl;
import dev.keel.store.ClaimedTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks this node is executing, keyed by fencing token, each with the reason its work must stop
 * (null while it may go on). A task must stop when the heartbeat did not get its lease renewed, or
 * when the lease, as last renewed, has run out by this node's monotonic clock (it was paused, or
 * the database has not answered): from then on another node may hold it.
 */
final class HeldTasks {
  private static final Logger log = LoggerFactory.getLogger(HeldTasks.class);

  static final class Held implements TaskControl {
    final ClaimedTask task;
    private final boolean ignoreLeaseLoss;
    private final Clock clock;
    private volatile Instant leaseDeadline;
    private volatile String stopReason;
    private volatile boolean draining;

    Held(ClaimedTask task, Instant leaseDeadline, boolean ignoreLeaseLoss, Clock clock) {
      this.task = task;
      this.leaseDeadline = leaseDeadline;
      this.clock = clock;
      this.ignoreLeaseLoss = ignoreLeaseLoss;
    }

    @Override
    public String stopReason() {
      if (draining || ignoreLeaseLoss) {
        return draining ? stopReason : null;
      }
      if (stopReason == null && clock.instant().isAfter(leaseDeadline)) {
        stopReason = "its lease ran out without a renewal (the node was paused or the database did not answer)";
      }
      return stopReason;
    }

    boolean draining() {
      return draining;
    }
  }

  private final ConcurrentHashMap<Long, Held> byFence = new ConcurrentHashMap<>();
  private final Duration lease;
  private final boolean ignoreLeaseLoss;
  private final Clock clock;

  /** {@code clock}: the node's own, by which a lease runs out here (see {@link NodeConfig#clock()}). */
  HeldTasks(Duration lease, boolean ignoreLeaseLoss, Clock clock) {
    this.lease = lease;
    this.ignoreLeaseLoss = ignoreLeaseLoss;
    this.clock = clock;
  }

  /** Registers a claim; {@code claimStart} is when the claim was sent, by the node's clock (its lease began no earlier). */
  Held add(ClaimedTask task, Instant claimStart) {
    Held h = new Held(task, claimStart.plus(lease), ignoreLeaseLoss, clock);
    byFence.put(task.fence(), h);
    return h;
  }

  Held get(ClaimedTask task) {
    return byFence.get(task.fence());
  }

  void remove(ClaimedTask task) {
    byFence.remove(task.fence());
  }

  int size() {
    return byFence.size();
  }

  List<Long> fences() {
    return new ArrayList<>(byFence.keySet());
  }

  Collection<Held> all() {
    return byFence.values();
  }

  /**
   * The outcome of a heartbeat sent at {@code sentAt} for {@code sent}: the fences in {@code
   * renewed} hold until sentAt + lease; the others were lost and must stop.
   */
  void renewed(Collection<Long> sent, Set<Long> renewed, Instant sentAt) {
    for (Long fence : sent) {
      Held h = byFence.get(fence);
      if (h == null) {
        continue;
      }
      if (renewed.contains(fence)) {
        h.leaseDeadline = sentAt.plus(lease);
      } else if (h.stopReason == null) {
        h.stopReason = "its lease was lost (expired and reaped, or another node claimed it)";
        // DEBUG: a task that completed while the heartbeat was in flight is "not renewed" too; the
        // executor logs the stop when the loss is real.
        log.debug("{}/{} (task {}, fence {}): lease not renewed; {}", h.task.pipeline(), h.task.partition(), h.task.id(), fence,
            ignoreLeaseLoss ? "FAULT INJECTION: going on anyway, only the sink fence can stop it"
                : "stopping its work, it will not be published");
      }
    }
  }

  /** Drain: every task still running stops at its next check and is released. */
  void drainAll() {
    for (Held h : byFence.values()) {
      h.stopReason = "the node is draining";
      h.draining = true;
    }
  }
}
