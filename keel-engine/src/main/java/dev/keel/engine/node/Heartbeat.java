package dev.keel.engine.node;

import dev.keel.store.Nodes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tick: one statement that marks the node alive and renews the leases of every task it holds
 * (see {@link Nodes}). A task whose lease was not renewed stops at once. A heartbeat the database
 * does not answer renews nothing, but the tasks go on past their leases by the node's own clock
 * until the database answers and says whether they are still this node's ({@link HeldTasks}).
 */
final class Heartbeat implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Nodes nodes;
  private final String nodeId;
  private final HeldTasks held;
  private final Duration lease;
  private final Clock clock;
  private volatile String state = "alive";

  /** When this tick's renewing statement was sent (set from inside the store's transaction). */
  private volatile Instant renewing;

  private volatile Instant lastOk;

  /**
   * {@code clock}: the node's own (see {@link NodeConfig#clock()}), by which it judges its leases.
   */
  Heartbeat(Nodes nodes, String nodeId, HeldTasks held, Duration lease, Clock clock) {
    this.nodes = nodes;
    this.nodeId = nodeId;
    this.held = held;
    this.lease = lease;
    this.clock = clock;
    this.lastOk = clock.instant();
  }

  void state(String state) {
    this.state = state;
  }

  @Override
  public void run() {
    List<Long> fences = held.fences();
    Instant sent = clock.instant();
    renewing = sent;
    Set<Long> renewed;
    held.heartbeatSending();
    try {
      // A renewed lease is judged from when the renewing statement was sent, not the heartbeat:
      // after
      // an outage the heartbeat may wait longer than a lease for a connection.
      renewed = nodes.heartbeat(nodeId, state, fences, lease, () -> renewing = clock.instant());
    } catch (RuntimeException e) {
      held.databaseDidNotAnswer();
      throw e; // the loop logs the first failure of a streak and its recovery
    }
    held.renewed(fences, renewed, renewing);
    lastOk = sent;
    log.debug("heartbeat: renewed {} of {} leases", renewed.size(), fences.size());
  }

  /** Whether the last successful heartbeat is recent enough that this node's leases still hold. */
  boolean healthy() {
    return Duration.between(lastOk, clock.instant()).compareTo(lease) < 0;
  }
}
