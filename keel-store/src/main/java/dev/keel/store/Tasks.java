package dev.keel.store;

import dev.keel.runtime.TaskOutcome;
import dev.keel.spec.Redactor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The task queue. Claims are one statement ({@code UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
 * LOCKED)}) and skip the queued tasks of paused pipelines ({@code keel.pipeline_pause}; running
 * ones finish), every claim takes a new fencing token from a sequence, and every later write by the
 * holder is conditioned on that token: 0 rows means the task was taken over, more than 1 is a bug.
 * Lease times come from the database clock ({@code now()}), never a node's.
 */
public final class Tasks {
  /**
   * The claim and its attempt row in one statement, so a claim is one round trip and one commit.
   * (In a data-modifying CTE both parts see the same snapshot; the INSERT reads only what the
   * UPDATE returned.) Two texts, with and without the run filter: one text with {@code (? IS NULL
   * OR run_id = ?)} got a generic plan after five executions (pgjdbc prepares statements on the
   * server) that cost 20 ms a claim instead of 4 on a run of 5,000 tasks. The claimed ids come as
   * an array ({@code = ANY (ARRAY(…))}, computed once, then found by primary key): as {@code IN
   * (SELECT … LIMIT ?)} the generic plan could not know the limit was small and joined it with a
   * sequential scan of the whole task table, every run's tasks ever, on every claim
   * (bench/coordination: 4,400 task rows read per task, 12 ms a claim on 10,000 rows).
   */
  private static final String CLAIM_CTES =
      """
      claimed AS (
        UPDATE keel.task t SET state = 'running', owner = ?, attempt = t.attempt + 1,
               fence = nextval('keel.fence_seq'), lease_until = now() + ? * interval '1 millisecond',
               started_at = coalesce(t.started_at, now()), error = NULL
        FROM keel.run r
        WHERE r.id = t.run_id AND t.id = ANY (ARRAY(
          SELECT q.id FROM keel.task q WHERE q.state = 'queued' AND q.due_at <= now() %s
            AND NOT EXISTS (SELECT 1 FROM keel.pipeline_pause p WHERE p.pipeline = q.pipeline)
          ORDER BY q.due_at, q.id FOR UPDATE SKIP LOCKED LIMIT ?))
        RETURNING t.id, t.run_id, t.pipeline, r.version_id, t.partition, t.attempt, t.max_attempts, t.fence, t.owner,
                  r.state AS run_state),
      attempts AS (
        INSERT INTO keel.task_attempt (task_id, attempt, node, fence) SELECT id, attempt, owner, fence FROM claimed),
      pinned AS (
        UPDATE keel.run r SET region = n.region
        FROM (SELECT DISTINCT run_id, owner FROM claimed) c JOIN keel.node n ON n.id = c.owner
        WHERE r.id = c.run_id AND n.region IS NOT NULL AND r.region IS DISTINCT FROM n.region
          AND EXISTS (SELECT 1 FROM keel.pipeline_version v WHERE v.id = r.version_id AND v.regions IS NOT NULL))""";

  /**
   * A node's claims leave alone the runs of {@code keel replay} (trigger {@code manual:replay:…}):
   * the replay's process claims its own task by run and reads only the rejected positions; a node
   * taking it would read the whole partition and, in append mode, publish its rows twice. (The
   * tasks of a plain {@code keel run} may be helped by nodes: they carry the run's own version.)
   */
  private static final String NOT_REPLAY =
      "AND NOT EXISTS (SELECT 1 FROM keel.run m WHERE m.id = q.run_id AND m.trigger LIKE 'manual:replay:%')";

  /**
   * A node's claims take the tasks of a pipeline with {@code regions: [a, b]} only when the node is
   * in the first listed region that has a live node ({@code keel.active_region}: state alive,
   * heartbeat within the claimer's lease, by the database clock). So while region a has a live node
   * b's nodes leave the work alone; once a's last node stops heartbeating, the next claim by a node
   * of b finds b active and takes the queued tasks, and the reaper requeues a's running ones when
   * their leases run out, as for any dead node. No node decides for the others: each claim judges
   * the node table as it is, in the same statement. A node without a region takes none of them. A
   * run stays in the region that claimed its tasks last while that region has a live node (the
   * claim records it, {@code run.region}, {@code keel.run_region}): a run that failed over to b
   * finishes in b when a's nodes come back, and the next run goes to a. Parameters: the claimer's
   * region, the lease in milliseconds.
   */
  private static final String IN_REGION =
      """
      AND (SELECT v.regions IS NULL OR keel.run_region(m.region, v.regions, ? * interval '1 millisecond') = ?
             FROM keel.run m JOIN keel.pipeline_version v ON v.id = m.version_id WHERE m.id = q.run_id)""";

  private static final String NODE_FILTER = NOT_REPLAY + "\n            " + IN_REGION;

  private static final String CLAIMED_COLUMNS =
      "id, run_id, pipeline, version_id, partition, attempt, max_attempts, fence";

  /**
   * The claims in the order they were queued (ids rise with it; the UPDATE's order is its plan's).
   */
  private static final String CLAIM =
      "WITH "
          + CLAIM_CTES.formatted(NODE_FILTER)
          + "\nSELECT "
          + CLAIMED_COLUMNS
          + " FROM claimed ORDER BY id";

  private static final String CLAIM_OF_RUN =
      "WITH "
          + CLAIM_CTES.formatted("AND q.run_id = ?")
          + "\nSELECT "
          + CLAIMED_COLUMNS
          + " FROM claimed ORDER BY id";

  /**
   * Successes in one statement (a node's group commit, {@link TaskCompletions}): each task is
   * fenced on its own; returns the ids whose fence was current. Recording a success twice is
   * harmless and returns the id again: a retry after a commit whose answer was lost must not turn a
   * published partition into a lost lease (a succeeded task is never claimed again, so its fence
   * stays that of the claim that succeeded). The attempt rows are found by their keys through
   * {@code = ANY} of the parameter arrays (fences are unique, so the pairs match exactly), not by a
   * join with {@code done}: a generic plan made while task_attempt was small joined by a sequential
   * scan of the whole table.
   */
  private static final String SUCCEED_ALL_CTES =
      """
      input AS (
        SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])
          AS i(id, fence, rows_read, rows_filtered, rows_rejected, rows_published)),
      done AS (
        UPDATE keel.task t SET state = 'succeeded', owner = NULL, lease_until = NULL, finished_at = now(),
               rows_read = i.rows_read, rows_filtered = i.rows_filtered, rows_rejected = i.rows_rejected,
               rows_published = i.rows_published, error = NULL
        FROM input i WHERE t.id = i.id AND t.fence = i.fence AND t.state IN ('running', 'succeeded')
        RETURNING t.id, t.fence),
      ended AS (
        UPDATE keel.task_attempt a SET finished_at = now(), outcome = 'succeeded', error = NULL
        WHERE a.task_id = ANY(?::bigint[]) AND a.fence = ANY(?::bigint[])
          AND EXISTS (SELECT 1 FROM done d WHERE d.id = a.task_id AND d.fence = a.fence))""";

  /**
   * Successes and the next claims in one statement, one round trip and one commit: a node hands in
   * the tasks its workers finished and takes as many new ones (complete-and-claim). The two updates
   * touch disjoint rows: the completions are running, the claims queued.
   */
  private static final String SUCCEED_AND_CLAIM =
      "WITH "
          + SUCCEED_ALL_CTES
          + ",\n"
          + CLAIM_CTES.formatted(NODE_FILTER)
          + """

      SELECT id, run_id, pipeline, version_id, partition, attempt, max_attempts, fence, run_state, false FROM claimed
      UNION ALL
      SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, fence, NULL, true FROM done
      ORDER BY 10, 1""";

  private static final String SUCCEED_ALL =
      "WITH " + SUCCEED_ALL_CTES + "\nSELECT id, true FROM done";

  /** Transient failure with attempts left: back to the queue after the backoff; else failed. */
  private static final String FAIL =
      """
      UPDATE keel.task SET
        state = CASE WHEN ? AND attempt < max_attempts THEN 'queued' ELSE 'failed' END,
        due_at = now() + ? * interval '1 millisecond', owner = NULL, lease_until = NULL,
        finished_at = CASE WHEN ? AND attempt < max_attempts THEN NULL ELSE now() END,
        rows_read = ?, rows_filtered = ?, rows_rejected = ?, rows_published = 0, error = ?
      WHERE id = ? AND fence = ? AND state = 'running'
      RETURNING state""";

  private static final String END_ATTEMPT =
      """
      UPDATE keel.task_attempt SET finished_at = now(), outcome = ?, error = ? WHERE task_id = ? AND fence = ?""";

  /**
   * Drain: the task goes back to the queue as if this claim never happened (its attempt is given
   * back).
   */
  private static final String RELEASE =
      """
      UPDATE keel.task SET state = 'queued', attempt = attempt - 1, owner = NULL, lease_until = NULL, due_at = now()
      WHERE id = ? AND fence = ? AND state = 'running'""";

  /**
   * Sink outage: back to the queue as if not claimed (the attempt is given back), due after the
   * wait, with a note.
   */
  private static final String WAIT =
      """
      UPDATE keel.task SET state = 'queued', attempt = attempt - 1, owner = NULL, lease_until = NULL,
             due_at = now() + ? * interval '1 millisecond', error = ?
      WHERE id = ? AND fence = ? AND state = 'running'""";

  private final Database db;

  Tasks(Database db) {
    this.db = db;
  }

  /**
   * Claims up to {@code limit} due tasks (of one run, when {@code runId} is not null) for a node
   * without a region.
   */
  public List<ClaimedTask> claim(String node, Long runId, int limit, Duration lease) {
    return claim(node, null, runId, limit, lease);
  }

  /**
   * Claims up to {@code limit} due tasks for {@code node} of {@code region} (null: none), or of one
   * run when {@code runId} is not null: that is a {@code keel run} taking its own tasks, in any
   * region.
   */
  public List<ClaimedTask> claim(
      String node, String region, Long runId, int limit, Duration lease) {
    return claim(node, region, runId, limit, lease, () -> {});
  }

  /**
   * The same, calling {@code sending} right before the claiming statement is sent, once a
   * connection is had: the claims' leases begin no earlier, however long the pool made the caller
   * wait (the database coming back after an outage, say). A node judges its leases from then.
   */
  public List<ClaimedTask> claim(
      String node, String region, Long runId, int limit, Duration lease, Runnable sending) {
    // One statement, so autocommit: one round trip and one commit however many tasks it claims.
    return db.withConnection(
        "claiming tasks",
        c -> {
          List<ClaimedTask> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(runId == null ? CLAIM : CLAIM_OF_RUN)) {
            int i = 1;
            ps.setString(i++, node);
            ps.setLong(i++, lease.toMillis());
            if (runId != null) {
              ps.setLong(i++, runId);
            } else {
              ps.setLong(i++, lease.toMillis());
              ps.setString(i++, region);
            }
            ps.setInt(i, limit);
            sending.run();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(claimedTask(rs));
              }
            }
          }
          return out;
        });
  }

  /** A success to record: the claim and what the attempt did. */
  public record Success(ClaimedTask task, TaskCounts counts) {}

  /**
   * What {@link #succeedAndClaim} did: the tasks whose success was recorded (their fence was
   * current), the tasks claimed, and the runs of those claims that were already running (a run that
   * has a task just claimed cannot have ended: its refresh can wait for that task's end).
   */
  public record Exchange(
      java.util.Set<Long> succeeded, List<ClaimedTask> claimed, java.util.Set<Long> runsRunning) {}

  /**
   * Records several successes and claims up to {@code limit} due tasks for {@code node}, in one
   * statement and one commit (just the successes when {@code limit} is 0).
   */
  public Exchange succeedAndClaim(List<Success> successes, String node, int limit, Duration lease) {
    return succeedAndClaim(successes, node, null, limit, lease);
  }

  /** The same for a node of {@code region} (null: none). */
  public Exchange succeedAndClaim(
      List<Success> successes, String node, String region, int limit, Duration lease) {
    return succeedAndClaim(successes, node, region, limit, lease, () -> {});
  }

  /**
   * The same, calling {@code sending} right before the statement is sent (see {@link #claim(String,
   * String, Long, int, Duration, Runnable)}).
   */
  public Exchange succeedAndClaim(
      List<Success> successes,
      String node,
      String region,
      int limit,
      Duration lease,
      Runnable sending) {
    return db.withConnection(
        "completing " + successes.size() + " tasks" + (limit > 0 ? " and claiming " + limit : ""),
        c -> {
          int n = successes.size();
          Long[][] cols = new Long[6][n];
          for (int i = 0; i < n; i++) {
            Success s = successes.get(i);
            cols[0][i] = s.task().id();
            cols[1][i] = s.task().fence();
            cols[2][i] = s.counts().read();
            cols[3][i] = s.counts().filtered();
            cols[4][i] = s.counts().rejected();
            cols[5][i] = s.counts().published();
          }
          java.util.Set<Long> done = new java.util.HashSet<>();
          List<ClaimedTask> claimed = new ArrayList<>();
          java.util.Set<Long> running = new java.util.HashSet<>();
          try (PreparedStatement ps =
              c.prepareStatement(limit > 0 ? SUCCEED_AND_CLAIM : SUCCEED_ALL)) {
            for (int k = 0; k < 6; k++) {
              ps.setArray(k + 1, c.createArrayOf("bigint", cols[k]));
            }
            ps.setArray(7, c.createArrayOf("bigint", cols[0]));
            ps.setArray(8, c.createArrayOf("bigint", cols[1]));
            if (limit > 0) {
              ps.setString(9, node);
              ps.setLong(10, lease.toMillis());
              ps.setLong(11, lease.toMillis());
              ps.setString(12, region);
              ps.setInt(13, limit);
            }
            sending.run();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                if (limit == 0 || rs.getBoolean(10)) {
                  done.add(rs.getLong(1));
                  continue;
                }
                ClaimedTask t = claimedTask(rs);
                claimed.add(t);
                if ("running".equals(rs.getString(9))) {
                  running.add(t.runId());
                }
              }
            }
          }
          return new Exchange(done, claimed, running);
        });
  }

  /**
   * Records a failed attempt. Returns {@link TaskOutcome#RETRY} when the task is queued again, due
   * after {@code backoff}; {@link TaskOutcome#FAILED} when the error is permanent or attempts are
   * spent.
   */
  public TaskOutcome fail(
      ClaimedTask task, String error, boolean transientError, Duration backoff, TaskCounts counts) {
    return db.inTransaction(
        "recording the failure of task " + task.id(),
        c -> {
          String state;
          try (PreparedStatement ps = c.prepareStatement(FAIL)) {
            ps.setBoolean(1, transientError);
            ps.setLong(2, backoff.toMillis());
            ps.setBoolean(3, transientError);
            ps.setLong(4, counts.read());
            ps.setLong(5, counts.filtered());
            ps.setLong(6, counts.rejected());
            ps.setString(7, Redactor.mask(error));
            ps.setLong(8, task.id());
            ps.setLong(9, task.fence());
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw new LeaseLostException(
                    "task "
                        + task.id()
                        + " ("
                        + task.pipeline()
                        + "/"
                        + task.partition()
                        + ") was taken over by another claim; this attempt's result is discarded");
              }
              state = rs.getString(1);
            }
          }
          // The task's state as stored is queued or failed; its attempt's outcome is retry or
          // failed.
          boolean queued = state.equals("queued");
          endAttempt(c, task, queued ? "retry" : "failed", error);
          return queued ? TaskOutcome.RETRY : TaskOutcome.FAILED;
        });
  }

  /**
   * Renews the leases of every task this node runs, in one statement however many it holds. Returns
   * the number renewed.
   */
  public int renew(String node, Duration lease) {
    return db.inTransaction(
        "renewing leases of " + node,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE keel.task SET lease_until = now() + ? * interval '1 millisecond' WHERE owner = ? AND state = 'running'")) {
            ps.setLong(1, lease.toMillis());
            ps.setString(2, node);
            return ps.executeUpdate();
          }
        });
  }

  /**
   * Gives a claimed task back without spending an attempt (a draining node that could not finish
   * it). False when the task was already taken over.
   */
  public boolean release(ClaimedTask task) {
    return db.inTransaction(
        "releasing task " + task.id(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
            ps.setLong(1, task.id());
            ps.setLong(2, task.fence());
            if (ps.executeUpdate() == 0) {
              return false;
            }
          }
          endAttempt(c, task, "released", null);
          return true;
        });
  }

  /**
   * Puts a claimed task back to wait for its sink (an outage): no attempt is spent, it is due again
   * after {@code wait}, and {@code note} says why in {@code keel status}. False when it was taken
   * over.
   */
  public boolean waitFor(ClaimedTask task, String note, Duration wait) {
    return db.inTransaction(
        "putting task " + task.id() + " back to wait",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(WAIT)) {
            ps.setLong(1, wait.toMillis());
            ps.setString(2, Redactor.mask(note));
            ps.setLong(3, task.id());
            ps.setLong(4, task.fence());
            if (ps.executeUpdate() == 0) {
              return false;
            }
          }
          endAttempt(c, task, "waiting", note);
          return true;
        });
  }

  /**
   * A fencing token newer than every claim so far, from the claims' own sequence: for work on a
   * partition outside any task (a rollback), so that an attempt holding an older claim is refused
   * at the sink afterwards, and the next claim is newer still.
   */
  public long newFence() {
    return db.withConnection(
        "taking a new fence",
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT nextval('keel.fence_seq')");
              java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  /** One row per task of a run, for summaries. */
  public List<TaskRow> ofRun(long runId) {
    return db.withConnection(
        "reading tasks of run " + runId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
          SELECT id, partition, state, attempt, max_attempts, owner, rows_read, rows_filtered, rows_rejected, rows_published,
                 error, (extract(epoch FROM (coalesce(finished_at, now()) - started_at)) * 1000)::bigint
          FROM keel.task WHERE run_id = ? ORDER BY id""")) {
            ps.setLong(1, runId);
            List<TaskRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new TaskRow(
                        rs.getLong(1),
                        runId,
                        rs.getString(2),
                        rs.getString(3),
                        rs.getInt(4),
                        rs.getInt(5),
                        rs.getString(6),
                        rs.getLong(7),
                        rs.getLong(8),
                        rs.getLong(9),
                        rs.getLong(10),
                        rs.getString(11),
                        rs.getLong(12)));
              }
            }
            return out;
          }
        });
  }

  /** Tasks of a run that are not finished yet. */
  public int open(long runId) {
    return db.withConnection(
        "counting open tasks",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM keel.task WHERE run_id = ? AND state IN ('queued', 'running')")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /**
   * Milliseconds until the next queued task of the run is due (0 if one is due now), or -1 if none
   * is queued.
   */
  public long millisUntilDue(long runId) {
    return db.withConnection(
        "reading due tasks",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
          SELECT greatest(0, extract(epoch FROM (min(due_at) - now())) * 1000)::bigint
          FROM keel.task WHERE run_id = ? AND state = 'queued'""")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              long v = rs.getLong(1);
              return rs.wasNull() ? -1 : v;
            }
          }
        });
  }

  private static void endAttempt(Connection c, ClaimedTask task, String outcome, String error)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(END_ATTEMPT)) {
      ps.setString(1, outcome);
      ps.setString(2, Redactor.mask(error));
      ps.setLong(3, task.id());
      ps.setLong(4, task.fence());
      ps.executeUpdate();
    }
  }

  /** A claim's row, in the order of {@link #CLAIMED_COLUMNS}. */
  private static ClaimedTask claimedTask(ResultSet rs) throws SQLException {
    return new ClaimedTask(
        rs.getLong(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getLong(4),
        rs.getString(5),
        rs.getInt(6),
        rs.getInt(7),
        rs.getLong(8));
  }
}
