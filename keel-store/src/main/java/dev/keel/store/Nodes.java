package dev.keel.store;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code node} table: registration, the heartbeat that also renews task leases, deregistration.
 */
public final class Nodes {
  private static final Logger log = LoggerFactory.getLogger(Nodes.class);
  private static final String REGISTER =
      """
      INSERT INTO keel.node (id, host, pid, http_port, state, region) VALUES (?, ?, ?, ?, 'alive', ?)
      ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, http_port = excluded.http_port,
        started_at = now(), heartbeat_at = now(), state = 'alive', tasks_held = 0, region = excluded.region""";

  /**
   * One statement per node per interval, however many tasks it holds: the node row and every lease
   * it still holds. A lease is renewed only while it is unexpired and carries the claim's fence, so
   * a node resumed after a pause (or whose task was reaped and reclaimed) learns it lost the task:
   * that fence is missing from the result. A renewal never shortens a lease: the grace an outage
   * every node shared gave ({@link SharedOutage}) lasts through the turbulent seconds after the
   * database returns (cold caches, every worker retrying at once), even for a node that renewed at
   * once. The node row is upserted so a node deleted by hand, or registered while the database was
   * away, comes back.
   */
  private static final String HEARTBEAT =
      """
      WITH n AS (
        INSERT INTO keel.node (id, state, tasks_held) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), state = excluded.state, tasks_held = excluded.tasks_held)
      UPDATE keel.task SET lease_until = greatest(lease_until, clock_timestamp() + ? * interval '1 millisecond')
      WHERE owner = ? AND state = 'running' AND fence = ANY (?) AND lease_until > now()
      RETURNING fence""";

  private final Database db;

  Nodes(Database db) {
    this.db = db;
  }

  public void register(String id, String host, long pid, Integer httpPort) {
    register(id, host, pid, httpPort, null);
  }

  /** Registers a node of {@code region} (null: none; it then claims only region-free work). */
  public void register(String id, String host, long pid, Integer httpPort, String region) {
    db.inTransaction(
        "registering node " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(REGISTER)) {
            ps.setString(1, id);
            ps.setString(2, host);
            ps.setLong(3, pid);
            ps.setObject(4, httpPort);
            ps.setString(5, region);
            return ps.executeUpdate();
          }
        });
  }

  /**
   * Heartbeats and renews the leases of the claims {@code fences}; returns the fences still held.
   * An outage every node shared is taken out of the leases first ({@link SharedOutage}), so a node
   * whose database was away for a while renews its leases instead of learning them lost.
   */
  public Set<Long> heartbeat(String id, String state, Collection<Long> fences, Duration lease) {
    return heartbeat(id, state, fences, lease, () -> {});
  }

  /**
   * The same, calling {@code renewing} right before the statement that renews the leases runs: a
   * lease renewed by it lasts at least {@code lease} from then, however long the heartbeat waited
   * for a connection before (the database coming back after an outage, say).
   */
  public Set<Long> heartbeat(
      String id, String state, Collection<Long> fences, Duration lease, Runnable renewing) {
    return db.inTransaction(
        "heartbeat of node " + id,
        c -> {
          SharedOutage.Gap gap = SharedOutage.observe(c, SharedOutage.thresholdFor(lease));
          if (gap != null && gap.leasesMoved() > 0) {
            log.warn(
                "the database was away for {} s for every node (no heartbeat or reaper tick reached it); the {} running"
                    + " leases were moved on by that time, so no live node loses its tasks to the outage",
                gap.length().toMillis() / 1000.0,
                gap.leasesMoved());
          }
          try (PreparedStatement ps = c.prepareStatement(HEARTBEAT)) {
            Array array = c.createArrayOf("bigint", fences.toArray());
            ps.setString(1, id);
            ps.setString(2, state);
            ps.setInt(3, fences.size());
            ps.setLong(4, lease.toMillis());
            ps.setString(5, id);
            ps.setArray(6, array);
            renewing.run();
            Set<Long> held = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                held.add(rs.getLong(1));
              }
            }
            return held;
          }
        });
  }

  public void markStopped(String id) {
    db.inTransaction(
        "deregistering node " + id,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE keel.node SET state = 'stopped', heartbeat_at = now(), tasks_held = 0 WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate();
          }
        });
  }
}
