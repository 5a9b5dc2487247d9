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
 * when the lease, as last renewed, has run out by this node's monotonic clock while the node could
 * have heard otherwise (it was paused): from then on another node may hold it.
 *
 * <p>While the database does not answer the heartbeat, a task whose lease ran out by this clock
 * goes on: the database judges leases, and it does not count an outage every node shared ({@link
 * dev.keel.store.SharedOutage}), so the lease may well still be this node's. The first heartbeat
 * that gets through says which leases are: the others stop then. If this node alone was cut off,
 * another node may meanwhile run the task again; the sink's fence refuses whichever publish comes
 * with the older claim, so the cost is work, never a second publish.
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

    private final DatabaseContact contact;

    Held(
        ClaimedTask task,
        Instant leaseDeadline,
        boolean ignoreLeaseLoss,
        Clock clock,
        DatabaseContact contact) {
      this.task = task;
      this.leaseDeadline = leaseDeadline;
      this.clock = clock;
      this.ignoreLeaseLoss = ignoreLeaseLoss;
      this.contact = contact;
    }

    @Override
    public String stopReason() {
      if (draining || ignoreLeaseLoss) {
        return draining ? stopReason : null;
      }
      Instant now = clock.instant();
      if (stopReason == null
          && now.isAfter(leaseDeadline)
          && !contact.awaitingDatabase(now, leaseDeadline)) {
        stopReason =
            "its lease ran out without a renewal (the node was paused or the database did not answer)";
      }
      return stopReason;
    }

    boolean draining() {
      return draining;
    }
  }

  /**
   * Whether this node's heartbeat is trying and the database is not answering: a heartbeat is in
   * flight (a connection may take its timeout to fail), or the last one failed recently enough
   * (within half a lease, where a live heartbeat comes at least twice) that this process was not
   * paused since.
   */
  static final class DatabaseContact {
    private final Duration recent;
    private volatile boolean inFlight;
    private volatile Instant inFlightSince = Instant.MIN;
    private volatile boolean failingWhenSent;
    private volatile boolean failing;
    private volatile Instant lastFailure = Instant.MIN;

    DatabaseContact(Duration lease) {
      this.recent = lease.dividedBy(2);
    }

    void sending(Instant now) {
      inFlightSince = now;
      failingWhenSent = failing;
      inFlight = true;
    }

    void answered() {
      inFlight = false;
      failing = false;
    }

    void didNotAnswer(Instant now) {
      lastFailure = now;
      failing = true;
      inFlight = false;
    }

    /**
     * A heartbeat in flight counts only if it was sent while the lease still held, or while the
     * database was already failing to answer: one sent after the deadline by a node that was
     * answered before is what a node resumed from a pause sends, and that node must stop.
     */
    boolean awaitingDatabase(Instant now, Instant leaseDeadline) {
      boolean waitingForAnswer =
          inFlight && (inFlightSince.isBefore(leaseDeadline) || failingWhenSent);
      return waitingForAnswer || (failing && now.isBefore(lastFailure.plus(recent)));
    }
  }

  private final ConcurrentHashMap<Long, Held> byFence = new ConcurrentHashMap<>();
  private final Duration lease;
  private final boolean ignoreLeaseLoss;
  private final Clock clock;
  private final DatabaseContact contact;

  /**
   * {@code clock}: the node's own, by which a lease runs out here (see {@link NodeConfig#clock()}).
   */
  HeldTasks(Duration lease, boolean ignoreLeaseLoss, Clock clock) {
    this.lease = lease;
    this.ignoreLeaseLoss = ignoreLeaseLoss;
    this.clock = clock;
    this.contact = new DatabaseContact(lease);
  }

  /** A heartbeat is on its way to the database (see {@link DatabaseContact}). */
  void heartbeatSending() {
    contact.sending(clock.instant());
  }

  /** The heartbeat got no answer from the database. */
  void databaseDidNotAnswer() {
    contact.didNotAnswer(clock.instant());
  }

  /**
   * Registers a claim; {@code claimStart} is when the claim was sent, by the node's clock (its
   * lease began no earlier).
   */
  Held add(ClaimedTask task, Instant claimStart) {
    Held h = new Held(task, claimStart.plus(lease), ignoreLeaseLoss, clock, contact);
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
        log.debug(
            "{}/{} (task {}, fence {}): lease not renewed; {}",
            h.task.pipeline(),
            h.task.partition(),
            h.task.id(),
            fence,
            ignoreLeaseLoss
                ? "FAULT INJECTION: going on anyway, only the sink fence can stop it"
                : "stopping its work, it will not be published");
      }
    }
    // Only now: a task checked between the answer and its new deadline would see neither and stop.
    contact.answered();
  }

  /** Drain: every task still running stops at its next check and is released. */
  void drainAll() {
    for (Held h : byFence.values()) {
      h.stopReason = "the node is draining";
      h.draining = true;
    }
  }
}
