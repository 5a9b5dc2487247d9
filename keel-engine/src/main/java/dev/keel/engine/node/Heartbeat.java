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
 * (see {@link Nodes}). A task whose lease was not renewed stops at once; a failed heartbeat renews
 * nothing, so the tasks stop when their leases run out by the node's own clock.
 */
final class Heartbeat implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Nodes nodes;
  private final String nodeId;
  private final HeldTasks held;
  private final Duration lease;
  private final Clock clock;
  private volatile String state = "alive";
  private volatile Instant lastOk;

  /** {@code clock}: the node's own (see {@link NodeConfig#clock()}), by which it judges its leases. */
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
    Set<Long> renewed = nodes.heartbeat(nodeId, state, fences, lease);
    held.renewed(fences, renewed, sent);
    lastOk = sent;
    log.debug("heartbeat: renewed {} of {} leases", renewed.size(), fences.size());
  }

  /** Whether the last successful heartbeat is recent enough that this node's leases still hold. */
  boolean healthy() {
    return Duration.between(lastOk, clock.instant()).compareTo(lease) < 0;
  }
}
