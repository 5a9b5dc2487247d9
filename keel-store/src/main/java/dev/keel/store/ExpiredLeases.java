package dev.keel.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tasks whose holder stopped heartbeating: their leases ran out (by the database clock), or its
 * process died, seen at once as its database session's end ({@link NodeSession}). Any node may reap
 * at once with the others: rows another transaction holds are skipped.
 */
public final class ExpiredLeases {
  /**
   * Expired leases back to the queue after the task's backoff (full jitter by the database's
   * random(), or exactly the ceiling for a pipeline with {@code jitter: none}), or failed when the
   * attempt that expired was the last (it was counted at claim). The attempt rows are found through
   * their primary key from arrays (fences are unique, so the pairs match exactly): a join with
   * {@code reaped} could get a generic plan that scans all of task_attempt, once a second per node.
   *
   * <p>A node whose lock is gone is believed dead only once the lock has been missing for the
   * session grace: the first tick that misses it records when on the node row ({@code noted}: only
   * while the key is the one it missed, so a re-take that committed meanwhile is not marked), and
   * the node's re-take ({@link NodeSession}) clears it. pg_locks is read live, not from the
   * statement's snapshot: a re-take after the grace ran out may come too late, and then the fence
   * keeps the node's attempt from publishing.
   */
  private static final String REAP =
      """
      WITH missing AS (
        SELECT n.id, n.session_key, n.session_lost_at FROM keel.node n
        WHERE n.session_server_start = pg_postmaster_start_time()
          AND NOT EXISTS (
            SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.classid = ? AND l.objid = n.session_key::oid
              AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))),
      noted AS (
        UPDATE keel.node n SET session_lost_at = now() FROM missing m
        WHERE n.id = m.id AND n.session_key = m.session_key AND n.session_lost_at IS NULL
        RETURNING n.id),
      ended AS (
        SELECT id FROM missing WHERE coalesce(session_lost_at, now()) <= now() - ? * interval '1 millisecond'),
      expired AS (
        SELECT id, owner, owner IN (SELECT id FROM ended) AS session_ended FROM keel.task
        WHERE state = 'running' AND (lease_until < now() OR owner IN (SELECT id FROM ended))
        ORDER BY lease_until FOR UPDATE SKIP LOCKED LIMIT ?),
      reaped AS (
        UPDATE keel.task t SET
          state = CASE WHEN t.attempt < t.max_attempts THEN 'queued' ELSE 'failed' END,
          due_at = now() + CASE WHEN t.jitter THEN random() ELSE 1 END
                   * least(t.max_backoff_ms, t.backoff_ms * power(2, greatest(t.attempt - 1, 0))) * interval '1 millisecond',
          finished_at = CASE WHEN t.attempt < t.max_attempts THEN NULL ELSE now() END,
          owner = NULL, lease_until = NULL,
          error = CASE WHEN e.session_ended
            THEN 'the database session of node ' || e.owner || ' ended during attempt ' || t.attempt
                 || ' (its process died)'
            ELSE 'the lease of node ' || e.owner || ' expired during attempt ' || t.attempt END
        FROM expired e WHERE t.id = e.id
        RETURNING t.id, t.run_id, t.pipeline, t.partition, t.state, t.attempt, t.fence, e.owner, e.session_ended),
      attempts AS (
        UPDATE keel.task_attempt a SET finished_at = now(),
          outcome = CASE WHEN r.session_ended THEN 'node died' ELSE 'lease expired' END
        FROM reaped r WHERE a.task_id = r.id AND a.fence = r.fence
          AND a.task_id = ANY ((SELECT array_agg(id) FROM reaped)::bigint[])
          AND a.fence = ANY ((SELECT array_agg(fence) FROM reaped)::bigint[]))
      SELECT id, run_id, pipeline, partition, state, attempt, owner, session_ended, false FROM reaped
      UNION ALL
      SELECT NULL, NULL, NULL, NULL, NULL, NULL, id, NULL, true FROM noted""";

  /**
   * A task whose lease expired, or whose node's session ended ({@link NodeSession}: the process
   * died), as the reaper left it ({@code queued} or {@code failed}).
   */
  public record Reaped(
      long id,
      long runId,
      String pipeline,
      String partition,
      String state,
      int attempt,
      String previousOwner,
      boolean sessionEnded) {}

  private final Database db;

  ExpiredLeases(Database db) {
    this.db = db;
  }

  /**
   * Returns up to {@code limit} tasks with expired leases to the queue (or fails them); see REAP.
   * An outage longer than {@code outageThreshold} that every node shared is taken out of the leases
   * first ({@link SharedOutage}): the first reaper tick after the database returns must not take
   * the tasks of nodes that are alive but could not heartbeat either.
   */
  public List<Reaped> reap(int limit, Duration outageThreshold) {
    return reap(limit, outageThreshold, Duration.ZERO);
  }

  /**
   * As {@link #reap(int, Duration)}, believing a node dead when its session's lock has been missing
   * for {@code sessionGrace} (zero: at the first tick that misses it).
   */
  public List<Reaped> reap(int limit, Duration outageThreshold, Duration sessionGrace) {
    return reapTick(limit, outageThreshold, sessionGrace).reaped();
  }

  /**
   * What one reaper tick did: the tasks it reaped, and the nodes whose lock it found gone for the
   * first time (their grace starts now; the reaper looks again when it ends).
   */
  public record Tick(List<Reaped> reaped, List<String> lostSessions) {}

  /** As {@link #reap(int, Duration, Duration)}, also telling which nodes' locks just went. */
  public Tick reapTick(int limit, Duration outageThreshold, Duration sessionGrace) {
    return db.inTransaction(
        "reaping expired leases",
        c -> {
          SharedOutage.observe(c, outageThreshold);
          List<Reaped> out = new ArrayList<>();
          List<String> lost = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(REAP)) {
            ps.setInt(1, NodeSession.LOCK_CLASS);
            ps.setLong(2, sessionGrace.toMillis());
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                if (rs.getBoolean(9)) {
                  lost.add(rs.getString(7));
                  continue;
                }
                out.add(
                    new Reaped(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getInt(6),
                        rs.getString(7),
                        rs.getBoolean(8)));
              }
            }
          }
          return new Tick(out, lost);
        });
  }

  private static final String DUE_IN =
      """
      SELECT greatest(0, extract(epoch FROM due_at - now()) * 1000)::bigint FROM keel.task
      WHERE id = ANY (?) AND state = 'queued' ORDER BY due_at""";

  /**
   * How long until each of the reaped tasks still queued is due (its backoff), soonest first: the
   * reaping node wakes its claim loop then rather than a poll interval later.
   */
  public List<Duration> dueIn(List<Reaped> reaped) {
    Long[] ids = reaped.stream().map(Reaped::id).toArray(Long[]::new);
    return db.inTransaction(
        "reading when reaped tasks are due",
        c -> {
          List<Duration> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(DUE_IN)) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(Duration.ofMillis(rs.getLong(1)));
              }
            }
          }
          return out;
        });
  }

  private static final String ABANDON_MANUAL =
      """
      WITH dead AS (
        SELECT t.id, t.run_id FROM keel.task t JOIN keel.run r ON r.id = t.run_id
        WHERE r.trigger LIKE 'manual:%' AND t.state = 'running' AND t.lease_until < now()
        FOR UPDATE OF t SKIP LOCKED)
      UPDATE keel.task t SET state = 'failed', owner = NULL, lease_until = NULL, finished_at = now(), error =
        'the keel run process that ran this partition stopped before finishing it (killed or crashed); its unfinished'
        || ' attempt published nothing beyond committed chunks; run keel run again'
      WHERE t.id IN (SELECT id FROM dead) OR (t.state = 'queued' AND t.run_id IN (SELECT run_id FROM dead))
      RETURNING t.run_id""";

  /**
   * Fails the tasks of {@code keel run} processes that died: their leases ran out and nobody else
   * will claim them for that run. Returns the runs touched, to refresh.
   */
  public Set<Long> abandonDeadManualRuns() {
    return db.inTransaction(
        "closing runs of dead keel run processes",
        c -> {
          Set<Long> runs = new TreeSet<>();
          try (PreparedStatement ps = c.prepareStatement(ABANDON_MANUAL);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              runs.add(rs.getLong(1));
            }
          }
          return runs;
        });
  }
}
