package dev.keel.store;

import dev.keel.spec.RetrySpec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs of a pipeline, each cut into one task per partition. */
public final class Runs {
  private static final Logger log = LoggerFactory.getLogger(Runs.class);

  private static final String INSERT_RUN =
      """
      INSERT INTO keel.run (pipeline, version_id, trigger, logical_time) VALUES (?, ?, ?, ?)
      ON CONFLICT (pipeline, trigger, logical_time) DO NOTHING RETURNING id""";
  private static final String INSERT_TASK =
      """
      INSERT INTO keel.task (run_id, pipeline, partition, max_attempts, backoff_ms, max_backoff_ms, jitter) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, partition) DO NOTHING""";

  /**
   * Derives the run's state from its tasks; called after every task transition. The run row is
   * written only when its state changes: otherwise every task completion of a big run would queue
   * on the one row lock (held through the commit's fsync), and the cluster would finish tasks one
   * at a time. The state is computed once (a MATERIALIZED CTE: inlined, it was evaluated once per
   * reference, three times), from index probes on the partial indexes of V3 and V9.
   */
  /**
   * The queued and ended-task checks go through the run's own index entries (the ORDER BY and LIMIT
   * ask for the index; inside EXISTS the planner drops them): as EXISTS, the generic plan chose a
   * sequential scan of the whole task table expecting an early hit, and read past every older run's
   * rows first.
   */
  private static final String REFRESH =
      """
      WITH s AS MATERIALIZED (
        SELECT CASE
          WHEN EXISTS (SELECT 1 FROM keel.task WHERE run_id = ? AND state = 'running') THEN 'running'
          WHEN (SELECT 1 FROM keel.task WHERE run_id = ? AND state = 'queued' ORDER BY run_id LIMIT 1)
               IS NOT NULL THEN
            CASE WHEN (SELECT 1 FROM keel.task WHERE run_id = ? AND state IN ('succeeded', 'failed')
                       ORDER BY run_id, partition LIMIT 1) IS NOT NULL
                 THEN 'running' ELSE 'queued' END
          WHEN (SELECT 1 FROM keel.task WHERE run_id = ? AND state = 'failed'
                ORDER BY run_id, partition LIMIT 1) IS NOT NULL THEN 'failed'
          ELSE 'succeeded' END AS state)
      UPDATE keel.run r SET state = s.state,
        finished_at = CASE WHEN s.state IN ('queued', 'running') THEN NULL ELSE coalesce(r.finished_at, now()) END
      FROM s
      WHERE r.id = ? AND r.state IS DISTINCT FROM s.state""";

  private final Database db;

  Runs(Database db) {
    this.db = db;
  }

  /**
   * Creates a run and its tasks in one transaction; empty when a run with the same pipeline,
   * trigger and logical time exists already (another node scheduled it).
   */
  public Optional<Long> create(
      String pipeline,
      long versionId,
      String trigger,
      Instant logicalTime,
      List<String> partitions,
      int maxAttempts) {
    return create(
        pipeline,
        versionId,
        trigger,
        logicalTime,
        partitions,
        new RetrySpec(maxAttempts, RetrySpec.DEFAULT.backoff(), RetrySpec.DEFAULT.maxBackoff()));
  }

  /**
   * As above, with the pipeline's retry policy: its attempts, and the backoff and jitter the reaper
   * applies when a lease expires.
   */
  public Optional<Long> create(
      String pipeline,
      long versionId,
      String trigger,
      Instant logicalTime,
      List<String> partitions,
      RetrySpec retry) {
    int maxAttempts = retry.attempts();
    Duration backoff = retry.backoff();
    Duration maxBackoff = retry.maxBackoff();
    boolean jitter = retry.jitter() != RetrySpec.Jitter.NONE;
    Optional<Long> run =
        insert(
            pipeline,
            versionId,
            trigger,
            logicalTime,
            partitions,
            maxAttempts,
            backoff,
            maxBackoff,
            jitter);
    if (run.isPresent() && partitions.size() >= ANALYZE_AT) {
      analyzeTasks(partitions.size());
    }
    return run;
  }

  /**
   * A run at least this large has the task table's statistics refreshed right after it is created.
   */
  static final int ANALYZE_AT = 1000;

  /**
   * The claim's plan depends on how many queued tasks the planner believes are due: with statistics
   * from before a large run (a new cluster's first backfill, a table that was nearly empty), it
   * believes a handful, and sorts every due task, with the region and replay checks run on each,
   * for every claim (27-44 ms a claim of 4 on 5,000 tasks, instead of 1.3-2.6 ms by the index in
   * order), until autovacuum analyzes the table, up to a minute later. One ANALYZE (a sample of the
   * table, after the run's commit so it sees its tasks) sets them right at once.
   */
  private void analyzeTasks(int tasks) {
    try {
      db.withConnection(
          "analyzing keel.task after a run of " + tasks + " tasks",
          c -> {
            try (java.sql.Statement st = c.createStatement()) {
              st.execute("ANALYZE keel.task");
            }
            return null;
          });
    } catch (StoreException e) {
      // the run exists; its claims are slower until autovacuum analyzes the table
      log.warn("{}", e.getMessage());
    }
  }

  private Optional<Long> insert(
      String pipeline,
      long versionId,
      String trigger,
      Instant logicalTime,
      List<String> partitions,
      int maxAttempts,
      Duration backoff,
      Duration maxBackoff,
      boolean jitter) {
    return db.inTransaction(
        "creating a run of " + pipeline,
        c -> {
          long runId;
          try (PreparedStatement ps = c.prepareStatement(INSERT_RUN)) {
            ps.setString(1, pipeline);
            ps.setLong(2, versionId);
            ps.setString(3, trigger);
            ps.setTimestamp(4, Timestamp.from(logicalTime));
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              runId = rs.getLong(1);
            }
          }
          try (PreparedStatement ps = c.prepareStatement(INSERT_TASK)) {
            for (String p : partitions) {
              ps.setLong(1, runId);
              ps.setString(2, pipeline);
              ps.setString(3, p);
              ps.setInt(4, maxAttempts);
              ps.setLong(5, backoff.toMillis());
              ps.setLong(6, maxBackoff.toMillis());
              ps.setBoolean(7, jitter);
              ps.addBatch();
            }
            ps.executeBatch();
          }
          return Optional.of(runId);
        });
  }

  /**
   * Call after the task's own change has committed, never inside its transaction: two tasks ending
   * at once would each see the other still open, and neither would finish the run. After both
   * commits, the later refresh sees both. One statement in autocommit: one round trip, and no
   * commit to flush when the state did not change.
   */
  public void refresh(long runId) {
    db.withConnection(
        "updating run " + runId,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(REFRESH)) {
            for (int i = 1; i <= 5; i++) {
              ps.setLong(i, runId);
            }
            return ps.executeUpdate();
          }
        });
  }

  /**
   * Open runs whose stored state is behind their tasks: every task has ended, or a task has started
   * or ended while the run still says queued. That happens when a refresh is lost: a node died, or
   * gave up retrying, between a task's commit and the run's refresh.
   */
  private static final String STALE =
      """
      SELECT r.id FROM keel.run r WHERE r.state IN ('queued', 'running') AND (
        (NOT EXISTS (SELECT 1 FROM keel.task t WHERE t.run_id = r.id AND t.state = 'running')
         AND NOT EXISTS (SELECT 1 FROM keel.task t WHERE t.run_id = r.id AND t.state = 'queued'))
        OR (r.state = 'queued' AND EXISTS (SELECT 1 FROM keel.task t WHERE t.run_id = r.id AND t.state = 'running'))
        OR (r.state = 'queued' AND EXISTS (SELECT 1 FROM keel.task t WHERE t.run_id = r.id AND t.state IN ('succeeded', 'failed'))))
      LIMIT 100""";

  /** Refreshes the open runs whose state fell behind their tasks (see STALE); returns their ids. */
  public List<Long> refreshStale() {
    List<Long> stale =
        db.withConnection(
            "looking for runs with a stale state",
            c -> {
              List<Long> out = new java.util.ArrayList<>();
              try (PreparedStatement ps = c.prepareStatement(STALE);
                  ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  out.add(rs.getLong(1));
                }
              }
              return out;
            });
    stale.forEach(this::refresh);
    return stale;
  }

  /**
   * The newest run of a pipeline with this trigger: its logical time, whether it ended (and when),
   * how many records its tasks read, and the pipeline's source lag (records behind, all
   * partitions).
   */
  public record Last(long id, Instant logicalTime, Instant finishedAt, long rowsRead, long lag) {
    public boolean ended() {
      return finishedAt != null;
    }
  }

  public Optional<Last> last(String pipeline, String trigger) {
    return db.withConnection(
        "reading the last run of " + pipeline,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  SELECT r.id, r.logical_time, r.finished_at,
                         (SELECT coalesce(sum(t.rows_read), 0) FROM keel.task t WHERE t.run_id = r.id),
                         (SELECT coalesce(sum(l.lag), 0) FROM keel.source_lag l WHERE l.pipeline = r.pipeline)
                  FROM keel.run r WHERE r.pipeline = ? AND r.trigger = ?
                  ORDER BY r.logical_time DESC LIMIT 1""")) {
            ps.setString(1, pipeline);
            ps.setString(2, trigger);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              Timestamp finished = rs.getTimestamp(3);
              return Optional.of(
                  new Last(
                      rs.getLong(1),
                      rs.getTimestamp(2).toInstant(),
                      finished == null ? null : finished.toInstant(),
                      rs.getLong(4),
                      rs.getLong(5)));
            }
          }
        });
  }

  /** The newest logical time of a run with this trigger, if any (where the scheduler resumes). */
  public Optional<Instant> latest(String pipeline, String trigger) {
    return db.withConnection(
        "reading the latest run of " + pipeline,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT max(logical_time) FROM keel.run WHERE pipeline = ? AND trigger = ?")) {
            ps.setString(1, pipeline);
            ps.setString(2, trigger);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              Timestamp t = rs.getTimestamp(1);
              return Optional.ofNullable(t).map(Timestamp::toInstant);
            }
          }
        });
  }

  public String state(long runId) {
    return db.withConnection(
        "reading run " + runId,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT state FROM keel.run WHERE id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getString(1) : null;
            }
          }
        });
  }
}
