package dev.keel.engine.node;

import dev.keel.store.NodeSession;
import dev.keel.store.StoreException;
import java.time.Duration;

/**
 * Keeps the node's database session ({@link NodeSession}): checks it, then watches its socket until
 * the next check. A connection the network resets while this process lives (a firewall dropping an
 * idle connection, a proxy restarting) is seen at once and the lock taken again within the reaper's
 * {@link NodeSession#GRACE}, so the node keeps its tasks; a dead process never takes it again. Runs
 * on its own loop with a short period: a failed take (the database is away) waits a check interval
 * before the loop tries again, so an outage is not met with a flood of connects.
 */
final class SessionKeeper implements Runnable {
  /** The loop's period: the watch itself is the wait. */
  static final Duration PERIOD = Duration.ofMillis(10);

  private final NodeSession session;
  private final Duration checkEvery;

  SessionKeeper(NodeSession session, Duration checkEvery) {
    this.session = session;
    this.checkEvery = checkEvery;
  }

  @Override
  public void run() {
    try {
      session.hold();
    } catch (StoreException e) {
      pause();
      throw e;
    }
    if (session.awaitLoss(checkEvery)) {
      session.hold();
    }
  }

  private void pause() {
    try {
      Thread.sleep(checkEvery.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
