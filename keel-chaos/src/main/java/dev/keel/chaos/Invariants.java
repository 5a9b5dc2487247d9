package dev.keel.chaos;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What must hold after the faults, read from the data itself: every run's days landed exactly once
 * (count and checksum against the generated source), no task is stuck or failed, every alert raised
 * during the faults was resolved, and every fault was recovered from.
 */
public final class Invariants {
  public static final String EXACTLY_ONCE = "exactly_once";
  public static final String NO_TASK_STUCK = "no_task_stuck";
  public static final String ALERTS_RESOLVED = "alerts_resolved";
  public static final String FAULTS_RECOVERED = "faults_recovered";

  /** Count and checksum of the table's rows by partition number (the id says which). */
  private static final String LANDED =
      """
      SELECT id / %d - 1 AS p, count(*), md5(string_agg(id || ',' || v || ',' || amount, '|' ORDER BY id))
      FROM %s GROUP BY 1"""
          .formatted(GeneratedRows.SPAN, ChaosPipeline.TABLE);

  private static final String UNFINISHED =
      """
      SELECT run_id, partition, state, coalesce(left(error, 300), '') FROM keel.task
      WHERE run_id = ANY (?) AND state <> 'succeeded' ORDER BY run_id, partition""";

  private static final String TASK_STATES =
      "SELECT run_id || '/' || partition, state FROM keel.task WHERE run_id = ANY (?)";

  /** Incidents raised since the faults began whose last action is still a trigger. */
  private static final String OPEN_ALERTS =
      """
      SELECT dedup_key, summary FROM (
        SELECT DISTINCT ON (dedup_key) dedup_key, action, summary FROM keel.alert_outbox
        WHERE dedup_key IN (SELECT dedup_key FROM keel.alert_outbox WHERE action = 'trigger' AND created_at >= ?)
        ORDER BY dedup_key, id DESC) last
      WHERE action = 'trigger' ORDER BY dedup_key""";

  private final Sql sql;
  private final int rowsPerPartition;

  public Invariants(Sql sql, int rowsPerPartition) {
    this.sql = sql;
    this.rowsPerPartition = rowsPerPartition;
  }

  /** Every check, in a fixed order. */
  public List<Check> check(Map<Long, List<String>> runs, Instant since, List<Fault> faults)
      throws SQLException {
    return List.of(exactlyOnce(runs), noTaskStuck(runs), alertsResolved(since), recovered(faults));
  }

  /**
   * A day of a succeeded task holds exactly its generated rows; a day whose task did not succeed
   * holds none (nothing half-published); no row belongs to a day no run loaded.
   */
  public Check exactlyOnce(Map<Long, List<String>> runs) throws SQLException {
    Map<Integer, List<String>> landed = new HashMap<>();
    for (List<String> row : sql.rows(LANDED)) {
      landed.put(Integer.parseInt(row.get(0)), row);
    }
    Map<String, String> states = taskStates(runs);
    List<String> problems = new ArrayList<>();
    long rows = 0;
    int days = 0;
    for (var run : new TreeMap<>(runs).entrySet()) {
      for (String day : run.getValue()) {
        int p = ChaosPipeline.partition(day);
        days++;
        List<String> got = landed.remove(p);
        long count = got == null ? 0 : Long.parseLong(got.get(1));
        rows += count;
        boolean published = "succeeded".equals(states.get(run.getKey() + "/" + day));
        long expected = published ? rowsPerPartition : 0;
        String where = "run " + run.getKey() + " day " + day;
        if (count != expected) {
          problems.add(
              where
                  + ": "
                  + count
                  + " rows, expected "
                  + expected
                  + (count > expected ? " (published more than once)" : " (rows lost)"));
        } else if (published
            && !GeneratedRows.expectedChecksum(new int[] {p}, rowsPerPartition)
                .equals(got.get(2))) {
          problems.add(where + ": checksum differs from the generated rows (rows altered)");
        }
      }
    }
    if (runs.isEmpty()) {
      problems.add("no run was triggered: nothing was checked (see the nodes' logs)");
    }
    for (List<String> stray : landed.values()) {
      problems.add(
          stray.get(1)
              + " rows of day "
              + ChaosPipeline.day(Integer.parseInt(stray.get(0)))
              + ", which no run of this chaos loaded");
    }
    return Check.of(
        EXACTLY_ONCE,
        runs.size() + " runs, " + days + " days, " + rows + " rows checked",
        problems);
  }

  private Map<String, String> taskStates(Map<Long, List<String>> runs) throws SQLException {
    Map<String, String> states = new HashMap<>();
    for (List<String> row : sql.rows(TASK_STATES, (Object) runIds(runs))) {
      states.put(row.get(0), row.get(1));
    }
    return states;
  }

  /** Every task of the chaos runs succeeded: none still queued or running, none failed. */
  public Check noTaskStuck(Map<Long, List<String>> runs) throws SQLException {
    List<String> problems = new ArrayList<>();
    for (List<String> t : sql.rows(UNFINISHED, (Object) runIds(runs))) {
      problems.add(
          "run "
              + t.get(0)
              + " day "
              + t.get(1)
              + ": "
              + t.get(2)
              + (t.get(3).isEmpty() ? "" : " (" + t.get(3) + ")"));
    }
    int tasks = runs.values().stream().mapToInt(List::size).sum();
    return Check.of(NO_TASK_STUCK, tasks + " tasks", problems);
  }

  /** Every alert incident raised since {@code since} has been resolved. */
  public Check alertsResolved(Instant since) throws SQLException {
    List<String> problems = new ArrayList<>();
    for (List<String> a : sql.rows(OPEN_ALERTS, Timestamp.from(since))) {
      problems.add(a.get(0) + ": " + a.get(1));
    }
    long raised =
        sql.scalar(
            "SELECT count(DISTINCT dedup_key) FROM keel.alert_outbox WHERE action = 'trigger' AND created_at >= ?",
            Timestamp.from(since));
    return Check.of(ALERTS_RESOLVED, raised + " incidents raised", problems);
  }

  /** The cluster worked again after every fault, within the recovery bound. */
  public static Check recovered(List<Fault> faults) {
    List<String> problems = new ArrayList<>();
    for (Fault f : faults) {
      if (!f.recovered()) {
        problems.add(f.kind().label() + " of " + f.target() + " at " + f.injectedAt());
      }
    }
    return Check.of(FAULTS_RECOVERED, faults.size() + " faults injected", problems);
  }

  private static Long[] runIds(Map<Long, List<String>> runs) {
    return runs.keySet().toArray(new Long[0]);
  }
}
