package dev.keel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Time during which the database was down or unreachable for every node does not count against a
 * lease. Each node's heartbeat and reaper tick first moves {@code keel.coordination_clock} to now;
 * when the clock had stood still longer than the outage threshold, nobody could coordinate in that
 * gap (a crash and restart of PostgreSQL, a failover, a network cut of every node), and every
 * running task's lease is moved on by the gap, and to at least a lease after the return, in the
 * same statement. So after a 5 s crash the owners renew their leases as if nothing happened, and
 * the reaper finds none expired; a node that really died in the outage stops renewing and is reaped
 * one lease after the database returned.
 *
 * <p>While any node heartbeats, the clock never stands still long enough, so a dead node among live
 * ones is reaped on time: only a gap that every node shared moves leases. The threshold must be
 * longer than the longest normal pause between two coordinating statements of the cluster (a
 * heartbeat interval) and shorter than a lease; nodes pass half their lease. This never lets two
 * claims publish: a lease only grows while its owner could not be told it lost it, and the sink's
 * fence still refuses a stale claim.
 */
public final class SharedOutage {
  /**
   * Runs first in the heartbeat's and the reaper's transactions. The clock row's lock orders them
   * (a few statements per node per second); greatest() keeps the clock from going back when a
   * transaction that started earlier commits later.
   */
  private static final String OBSERVE =
      """
      WITH before AS (SELECT seen_at FROM keel.coordination_clock FOR UPDATE),
      gap AS (SELECT now() - seen_at AS gap FROM before WHERE now() - seen_at > ? * interval '1 millisecond'),
      clock AS (
        UPDATE keel.coordination_clock SET seen_at = greatest(seen_at, now()),
          outage_ended_at = CASE WHEN EXISTS (SELECT 1 FROM gap) THEN now() ELSE outage_ended_at END,
          outage_seconds = coalesce((SELECT extract(epoch FROM gap) FROM gap), outage_seconds)),
      moved AS (
        UPDATE keel.task SET lease_until =
          greatest(lease_until + (SELECT gap FROM gap), now() + ? * interval '1 millisecond')
        WHERE state = 'running' AND EXISTS (SELECT 1 FROM gap)
        RETURNING 1)
      SELECT (SELECT extract(epoch FROM gap) FROM gap), (SELECT count(*) FROM moved)""";

  /**
   * An outage found by {@link #observe}: how long the clock stood still, and how many leases moved
   * on.
   */
  public record Gap(Duration length, long leasesMoved) {}

  /** The least time every running lease gets after the database returns. */
  public static final Duration MIN_GRACE = Duration.ofSeconds(10);

  private SharedOutage() {}

  /**
   * Moves the coordination clock to now; when it stood still longer than {@code threshold}, moves
   * every running lease on by that gap and returns it (null otherwise).
   */
  static Gap observe(Connection c, Duration threshold) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(OBSERVE)) {
      ps.setLong(1, threshold.toMillis());
      ps.setLong(2, graceFor(threshold).toMillis());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        double seconds = rs.getDouble(1);
        return rs.wasNull()
            ? null
            : new Gap(Duration.ofMillis(Math.round(seconds * 1000)), rs.getLong(2));
      }
    }
  }

  /**
   * The least time every running lease gets after the database returns, for a node whose outage
   * threshold is {@code threshold}: a lease (twice the threshold), and at least {@link #MIN_GRACE}.
   * A node's connection pool backs off while the database is away and can take seconds to
   * reconnect; its first renewal must not come after its moved lease ran out.
   */
  public static Duration graceFor(Duration threshold) {
    Duration lease = threshold.multipliedBy(2);
    return lease.compareTo(MIN_GRACE) > 0 ? lease : MIN_GRACE;
  }

  /**
   * The outage threshold of a node with this lease: half of it (a heartbeat comes at least twice a
   * lease).
   */
  public static Duration thresholdFor(Duration lease) {
    return lease.dividedBy(2);
  }
}
