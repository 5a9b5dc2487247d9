package dev.keel.engine.node;

import dev.keel.store.Nodes;
import java.time.Duration;
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
  private volatile String state = "alive";
  private volatile long lastOkNanos = System.nanoTime();

  Heartbeat(Nodes nodes, String nodeId, HeldTasks held, Duration lease) {
    this.nodes = nodes;
    this.nodeId = nodeId;
    this.held = held;
    this.lease = lease;
  }

  void state(String state) {
    this.state = state;
  }

  @Override
  public void run() {
    List<Long> fences = held.fences();
    long sent = System.nanoTime();
    Set<Long> renewed = nodes.heartbeat(nodeId, state, fences, lease);
    held.renewed(fences, renewed, sent);
    lastOkNanos = sent;
    log.debug("heartbeat: renewed {} of {} leases", renewed.size(), fences.size());
  }

  /** Whether the last successful heartbeat is recent enough that this node's leases still hold. */
  boolean healthy() {
    return System.nanoTime() - lastOkNanos < lease.toNanos();
  }
}
