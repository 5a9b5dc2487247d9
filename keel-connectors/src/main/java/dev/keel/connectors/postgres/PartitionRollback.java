package dev.keel.connectors.postgres;

import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.RollbackRefusedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One rollback of a partition to the state right after a run's publish, inside a transaction the
 * caller commits. It undoes every version newer than the run's, all at once, the way the mode's
 * {@link ModeRollback} does ({@link UpsertRollback}, {@link ReplaceRollback}, {@link
 * AppendRollback}), after checking here that each of them is kept and of the pipeline's mode.
 *
 * <p>It is recorded as a version of its own, in the same form, so a rollback to the run before it
 * undoes it. The fence goes first: a token newer than every claim so far is written and locked, so
 * a publish in flight finishes before (and is undone if newer than the run), and one that holds an
 * older claim is refused after.
 */
final class PartitionRollback {
  private static final String FENCE =
      """
      INSERT INTO keel_sink.fence (target, partition, token) VALUES (?, ?, ?)
      ON CONFLICT (target, partition) DO UPDATE SET token = greatest(fence.token, excluded.token)
      RETURNING token""";

  private static final String VERSIONS =
      """
      SELECT id, run_id, mode, undoable, load_id FROM keel_sink.version WHERE target = ? AND partition = ?
      ORDER BY id""";

  private final PostgresSinkSpec spec;
  private final TargetTable target;
  private final LoadVersions versions;
  private final PublishStatement statement;
  private final Connection c;
  private final String partition;

  PartitionRollback(
      PostgresSinkSpec spec,
      TargetTable target,
      LoadVersions versions,
      PublishStatement statement,
      Connection c,
      String partition) {
    this.spec = spec;
    this.target = target;
    this.versions = versions;
    this.statement = statement;
    this.c = c;
    this.partition = partition;
  }

  private record Version(long id, Long runId, String mode, boolean undoable, String loadId) {}

  /**
   * Rolls the partition back to {@code toRun}; null when its load is the newest already (nothing to
   * do, nothing recorded).
   */
  LoadHistory.Load run(long toRun, long fence) throws SQLException {
    fence(fence);
    List<Version> newer = newerThan(toRun);
    if (newer.isEmpty()) {
      return null;
    }
    long[] ids = newer.stream().mapToLong(Version::id).toArray();
    abandonUnfinished(newer, fence);
    long own =
        versions.open(
            c, partition, "rollback-" + fence + "/" + partition, null, toRun, spec.mode());
    ModeRollback undo =
        switch (spec.mode()) {
          case UPSERT -> new UpsertRollback(spec, target, versions, c);
          case REPLACE -> new ReplaceRollback(spec, target, statement, c, partition);
          case APPEND -> new AppendRollback(spec, target, statement, c, partition, toRun);
        };
    ModeRollback.Done done = undo.undo(ids, own);
    LoadVersions.count(c, own, done.inserted(), done.updated(), done.deleted());
    versions.prune(c, partition);
    try (PreparedStatement ps =
        c.prepareStatement("SELECT published_at FROM keel_sink.version WHERE id = ?")) {
      ps.setLong(1, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new LoadHistory.Load(
            own,
            partition,
            null,
            toRun,
            spec.mode().name().toLowerCase(Locale.ROOT),
            rs.getTimestamp(1).toInstant(),
            done.inserted(),
            done.updated(),
            done.deleted(),
            true);
      }
    }
  }

  /**
   * The kept versions after run {@code toRun}'s, oldest first, once each is known to be undoable
   * and of the pipeline's mode; refused otherwise, or when the run's own version is not kept.
   */
  private List<Version> newerThan(long toRun) throws SQLException {
    List<Version> all = versions();
    int at = -1;
    for (int i = all.size() - 1; i >= 0; i--) {
      if (Long.valueOf(toRun).equals(all.get(i).runId())) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      throw new RollbackRefusedException(notKept(toRun, all));
    }
    List<Version> newer = all.subList(at + 1, all.size());
    String mode = spec.mode().name().toLowerCase(Locale.ROOT);
    for (Version v : newer) {
      if (!v.undoable()) {
        throw new RollbackRefusedException(
            "the changes of a load after run "
                + toRun
                + " of partition "
                + partition
                + " are no longer kept; it cannot be restored");
      }
      if (!v.mode().equals(mode)) {
        throw new RollbackRefusedException(
            "a load after run "
                + toRun
                + " of partition "
                + partition
                + " was published in mode "
                + v.mode()
                + " and the pipeline's mode is now "
                + mode
                + "; a rollback across a change of mode is not possible");
      }
    }
    return newer;
  }

  private void fence(long fence) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(FENCE)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setLong(3, fence);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) != fence) {
          throw new RollbackRefusedException(
              "a newer claim of partition "
                  + partition
                  + " (token "
                  + rs.getLong(1)
                  + ") than this rollback's ("
                  + fence
                  + ") exists; try again");
        }
      }
    }
  }

  private List<Version> versions() throws SQLException {
    List<Version> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(VERSIONS)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Version(
                  rs.getLong(1),
                  (Long) rs.getObject(2),
                  rs.getString(3),
                  rs.getBoolean(4),
                  rs.getString(5)));
        }
      }
    }
    return out;
  }

  /**
   * Why {@code run} is not among the kept versions: it never published the partition, or pruned.
   */
  private String notKept(long run, List<Version> all) throws SQLException {
    String loadId = "run-" + run + "/" + partition;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM keel_sink.load WHERE load_id = ? AND target = ?")) {
      ps.setString(1, loadId);
      ps.setString(2, target.name());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return "run "
              + run
              + " did not publish partition "
              + partition
              + " of "
              + target.name()
              + "; keel history lists the runs it can go back to";
        }
      }
    }
    Long oldest = all.stream().map(Version::runId).filter(r -> r != null).findFirst().orElse(null);
    return "the load of run "
        + run
        + " (partition "
        + partition
        + ") is no longer kept: keep_versions: "
        + spec.keepVersions()
        + " keeps the last "
        + spec.keepVersions()
        + " loads of each partition"
        + (oldest == null ? "" : "; the oldest run it can go back to is " + oldest);
  }

  /**
   * A chunked load that was still publishing when the rollback came: its checkpoint goes (a new
   * attempt starts again from the first row, not after chunks the rollback undid) and its version
   * is closed under another name (a new attempt records a new one after the rollback's).
   */
  private void abandonUnfinished(List<Version> newer, long fence) throws SQLException {
    try (PreparedStatement cp =
            c.prepareStatement(
                "DELETE FROM keel_sink.checkpoint WHERE load_id = ? AND NOT EXISTS"
                    + " (SELECT 1 FROM keel_sink.load WHERE load_id = ?)");
        PreparedStatement rename =
            c.prepareStatement(
                "UPDATE keel_sink.version SET load_id = load_id || ' (rolled back by ' || ? || ')'"
                    + " WHERE id = ?")) {
      for (Version v : newer) {
        if (v.runId() == null) {
          continue;
        }
        cp.setString(1, v.loadId());
        cp.setString(2, v.loadId());
        if (cp.executeUpdate() > 0) {
          rename.setString(1, "rollback-" + fence);
          rename.setLong(2, v.id());
          rename.executeUpdate();
        }
      }
    }
  }
}
