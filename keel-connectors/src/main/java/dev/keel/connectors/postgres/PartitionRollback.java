package dev.keel.connectors.postgres;

import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.RollbackRefusedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One rollback of a partition to the state right after a run's publish, inside a transaction the
 * caller commits. It undoes every version newer than the run's, all at once: by mode,
 *
 * <ul>
 *   <li>upsert: for each key a newer version touched, the oldest record of it among them says what
 *       the key held after the run (its prior image, or nothing);
 *   <li>replace: the prior image of the version right after the run is the partition as it was;
 *   <li>append: the rows as a multiset (a hash of each row's text): those added after the run are
 *       taken out and those deleted after it (by rollbacks) put back, net of each other.
 * </ul>
 *
 * It is recorded as a version of its own, in the same form, so a rollback to the run before it
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

  /** Counts of what the rollback did. */
  private record Done(long inserted, long updated, long deleted) {}

  /**
   * Rolls the partition back to {@code toRun}; null when its load is the newest already (nothing to
   * do, nothing recorded).
   */
  LoadHistory.Load run(long toRun, long fence) throws SQLException {
    fence(fence);
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
    if (newer.isEmpty()) {
      return null;
    }
    long[] ids = newer.stream().mapToLong(Version::id).toArray();
    abandonUnfinished(newer, fence);
    long own =
        versions.open(
            c, partition, "rollback-" + fence + "/" + partition, null, toRun, spec.mode());
    Done done =
        switch (spec.mode()) {
          case UPSERT -> upsert(ids, own);
          case REPLACE -> replace(ids, own);
          case APPEND -> append(ids, own, toRun);
        };
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
            mode,
            rs.getTimestamp(1).toInstant(),
            done.inserted(),
            done.updated(),
            done.deleted(),
            true);
      }
    }
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

  /** {@code array_agg} of the rows of {@code from} in batches, as row_version rows. */
  private static String batched(String columns, String aggregates, String from) {
    return " SELECT "
        + columns
        + aggregates
        + " FROM (SELECT *, "
        + LoadVersions.BATCHES
        + " AS batch FROM "
        + from
        + ") x GROUP BY batch";
  }

  private Done upsert(long[] ids, long own) throws SQLException {
    String in = " v.version_id = ANY('" + array(ids) + "'::bigint[])";
    String keyOfImage =
        "ARRAY["
            + spec.key().stream()
                .map(
                    k ->
                        "(CAST(i AS "
                            + target.qualified
                            + "))."
                            + dev.keel.spec.Identifiers.quote(k)
                            + "::text")
                .collect(java.util.stream.Collectors.joining(", "))
            + "]::text";
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE keel_restore ON COMMIT DROP AS SELECT DISTINCT ON (key) key, op, image FROM ("
              + "SELECT v.version_id, v.chunk, v.op, k AS key, NULL::text AS image"
              + " FROM keel_sink.row_version v, unnest(v.keys) k WHERE v.op = 'i' AND"
              + in
              + " UNION ALL SELECT v.version_id, v.chunk, v.op, "
              + keyOfImage
              + ", i FROM keel_sink.row_version v, unnest(v.images) i WHERE v.op = 'u' AND"
              + in
              + ") x ORDER BY key, version_id, chunk");
    }
    long updated;
    long inserted;
    long deleted;
    String current =
        " FROM keel_restore r LEFT JOIN "
            + target.qualified
            + " t ON "
            + versions.keyMatch("t", "r");
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE t.ctid IS NOT NULL AND r.op = 'u'),"
                    + " count(*) FILTER (WHERE t.ctid IS NULL AND r.op = 'u'),"
                    + " count(*) FILTER (WHERE t.ctid IS NOT NULL AND r.op = 'i')"
                    + current)) {
      rs.next();
      updated = rs.getLong(1);
      inserted = rs.getLong(2);
      deleted = rs.getLong(3);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO keel_sink.row_version (version_id, op, keys, images)"
                + batched(
                    "?, op, ",
                    "CASE WHEN op = 'i' THEN array_agg(item) END, CASE WHEN op = 'u' THEN array_agg(item) END",
                    "(SELECT CASE WHEN t.ctid IS NULL THEN 'i' ELSE 'u' END AS op,"
                        + " CASE WHEN t.ctid IS NULL THEN r.key ELSE t::text END AS item"
                        + current
                        + ") rows")
                + ", op")) {
      ps.setLong(1, own);
      ps.executeUpdate();
    }
    try (Statement st = c.createStatement()) {
      st.executeUpdate(
          "DELETE FROM "
              + target.qualified
              + " t USING keel_restore r WHERE "
              + versions.keyMatch("t", "r"));
      st.executeUpdate(
          "INSERT INTO "
              + target.qualified
              + " OVERRIDING SYSTEM VALUE SELECT (CAST(r.image AS "
              + target.qualified
              + ")).* FROM keel_restore r WHERE r.op = 'u'");
    }
    return new Done(inserted, updated, deleted);
  }

  private Done replace(long[] ids, long own) throws SQLException {
    long deleted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH gone AS (DELETE FROM "
                + target.qualified
                + " t"
                + statement.partitionRows()
                + " RETURNING t::text AS image),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, images)"
                + batched("?, 'd', ", "array_agg(image)", "gone")
                + " RETURNING cardinality(images) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      int i = 1;
      if (spec.partitionColumn() != null) {
        ps.setString(i++, partition);
      }
      ps.setLong(i, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        deleted = rs.getLong(1);
      }
    }
    long inserted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + target.qualified
                + " OVERRIDING SYSTEM VALUE SELECT (CAST(i AS "
                + target.qualified
                + ")).* FROM keel_sink.row_version v, unnest(v.images) i"
                + " WHERE v.version_id = ? AND v.op = 'd'")) {
      ps.setLong(1, ids[0]);
      inserted = ps.executeUpdate();
    }
    return new Done(inserted, 0, deleted);
  }

  private Done append(long[] ids, long own, long toRun) throws SQLException {
    LoadVersions.stableText(c);
    String in = " v.version_id = ANY('" + array(ids) + "'::bigint[])";
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE keel_net ON COMMIT DROP AS SELECT hash, sum(n) AS n, max(image) AS image FROM ("
              + "SELECT h AS hash, -1 AS n, NULL::text AS image"
              + " FROM keel_sink.row_version v, unnest(v.hashes) h WHERE v.op = 'a' AND"
              + in
              + " UNION ALL SELECT x.h, 1, x.i FROM keel_sink.row_version v, unnest(v.hashes, v.images) x(h, i)"
              + " WHERE v.op = 'd' AND"
              + in
              + ") y GROUP BY hash HAVING sum(n) <> 0");
    }
    long expected;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT coalesce(sum(-n), 0) FROM keel_net WHERE n < 0")) {
      rs.next();
      expected = rs.getLong(1);
    }
    String where = statement.partitionRows();
    long deleted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH rows AS (SELECT t.ctid, md5(t::text)::uuid AS hash FROM "
                + target.qualified
                + " t"
                + where
                + "), doomed AS (SELECT x.ctid FROM (SELECT r.ctid, r.hash,"
                + " row_number() OVER (PARTITION BY r.hash) AS nth FROM rows r"
                + " WHERE r.hash IN (SELECT hash FROM keel_net WHERE n < 0)) x"
                + " JOIN keel_net n ON n.hash = x.hash WHERE x.nth <= -n.n),"
                + " gone AS (DELETE FROM "
                + target.qualified
                + " t USING doomed WHERE t.ctid = doomed.ctid RETURNING t::text AS image),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, hashes, images)"
                + batched("?, 'd', ", "array_agg(md5(image)::uuid), array_agg(image)", "gone")
                + " RETURNING cardinality(images) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      int i = 1;
      if (spec.partitionColumn() != null) {
        ps.setString(i++, partition);
      }
      ps.setLong(i, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        deleted = rs.getLong(1);
      }
    }
    if (deleted != expected) {
      throw new RollbackRefusedException(
          "rolling partition "
              + partition
              + " of "
              + target.name()
              + " back to run "
              + toRun
              + " would delete "
              + expected
              + " rows that later loads added, but only "
              + deleted
              + " of them are still there (something other than keel changed the table);"
              + " nothing was changed");
    }
    long inserted;
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH added AS (INSERT INTO "
                + target.qualified
                + " AS t OVERRIDING SYSTEM VALUE SELECT (CAST(n.image AS "
                + target.qualified
                + ")).* FROM keel_net n CROSS JOIN LATERAL generate_series(1, n.n) WHERE n.n > 0"
                + " RETURNING md5(t::text)::uuid AS hash),"
                + " b AS (INSERT INTO keel_sink.row_version (version_id, op, hashes)"
                + batched("?, 'a', ", "array_agg(hash)", "added")
                + " RETURNING cardinality(hashes) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      ps.setLong(1, own);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        inserted = rs.getLong(1);
      }
    }
    return new Done(inserted, 0, deleted);
  }

  private static String array(long[] ids) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(ids[i]);
    }
    return sb.append('}').toString();
  }
}
