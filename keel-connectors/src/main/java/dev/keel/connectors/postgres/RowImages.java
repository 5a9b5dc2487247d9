package dev.keel.connectors.postgres;

import dev.keel.spec.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table of a target's row type in which its versioned upserts record what undoes them
 * (keel_sink.row_image_&lt;id&gt;, see V6__row_images.sql): one tuple per row written, the prior
 * row itself for an updated one ('u'), the key alone for an inserted one ('i'). Cheaper to write
 * than text images in batches (no record_out, no window, sort and aggregate, no compression).
 *
 * <p>It is made once per target, on a connection of its own (not in a publish transaction). It
 * takes the target's columns as they are then; when they change later (a column added, dropped or
 * retyped), {@link #current} is false and the upsert records in keel_sink.row_version as before V6.
 *
 * <p>The prior rows of the rows an upsert updates are recorded by the target's trigger
 * keel_prior_rows (sink V9), from the UPDATE's own transition table, when the target has it enabled
 * ({@link #priorRowsTrigger}); otherwise by joining the keys the upsert wrote with the target as it
 * was ({@link #record}).
 */
final class RowImages {
  private static final Logger log = LoggerFactory.getLogger(RowImages.class);

  /** The trigger of a versioned target that records an upsert's prior rows (sink V9). */
  static final String TRIGGER = "keel_prior_rows";

  /** A pg_class row {@code t} of a plain heap table: what the xmax test is true of. */
  private static final String HEAP_TABLE =
      "t.relkind = 'r' AND t.relam = (SELECT oid FROM pg_am WHERE amname = 'heap')";

  static final String VERSION = "_keel_version";
  static final String CHUNK = "_keel_chunk";
  static final String OP = "_keel_op";

  /**
   * Whether upserts record here; off (KEEL_ROW_IMAGES=false) they record text images in
   * keel_sink.row_version as before sink V6, to measure one against the other in the same build
   * (and for the tests of records of both kinds). Tables already made are still read and pruned.
   */
  static volatile boolean recording =
      !"false".equalsIgnoreCase(System.getenv().getOrDefault("KEEL_ROW_IMAGES", "true"));

  private static final String COLUMNS =
      """
      SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""";

  /**
   * A load that stages at least this many rows records into a table of its own version,
   * keel_sink.row_image_&lt;id&gt;_&lt;version&gt; (made in its publish transaction), which pruning
   * drops instead of deleting a million rows from the shared table (1-1.25 s per million here, and
   * as many dead rows for vacuum). Smaller loads share one table: a table per small load would
   * churn the catalog. {@code -Dkeel.rowImages.ownTableRows} sets it (the tests, to cover both).
   */
  static final long OWN_TABLE_ROWS = Long.getLong("keel.rowImages.ownTableRows", 100_000);

  /** keel_sink.row_image_&lt;id&gt;, quoted. */
  final String qualified;

  /** Its name, row_image_&lt;id&gt;, unquoted: the prefix of the tables of single versions. */
  private final String name;

  /** Its columns after the three of keel's: the target's, in their order, when it was made. */
  private final List<String> columns;

  /** Whether the target still has exactly these columns (name and type). */
  private final boolean current;

  private RowImages(String name, List<String> columns, boolean current) {
    this.name = name;
    this.qualified = "keel_sink." + Identifiers.quote(name);
    this.columns = columns;
    this.current = current;
  }

  /**
   * The images table of {@code target}, made if it has none yet (a target with a column of keel's
   * own names, or one of a domain, gets none: null).
   */
  static RowImages ensure(DataSource ds, TargetTable target) throws SQLException {
    try (Connection c = ds.getConnection()) {
      RowImages found = find(c, target);
      if (found != null && found.usable()) {
        putTrigger(c, target);
      }
      if (found != null || !recording) {
        return found;
      }
      List<String[]> have = columns(c, target.qualified);
      if (have.isEmpty()
          || have.stream().anyMatch(col -> col[0].startsWith("_keel_"))
          || hasDomain(c, target)) {
        return null;
      }
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('keel_sink.row_image'))")) {
          ps.execute();
        }
        long id;
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO keel_sink.row_image (target) VALUES (?) ON CONFLICT (target) DO NOTHING"
                    + " RETURNING id")) {
          ps.setString(1, target.name());
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              c.commit();
              return find(c, target);
            }
            id = rs.getLong(1);
          }
        }
        String table = "keel_sink." + Identifiers.quote("row_image_" + id);
        try (Statement st = c.createStatement()) {
          st.execute(
              "CREATE TABLE "
                  + table
                  + " AS SELECT 0::bigint AS "
                  + VERSION
                  + ", 0 AS "
                  + CHUNK
                  + ", 'u'::\"char\" AS "
                  + OP
                  + ", t.* FROM "
                  + target.qualified
                  + " t WITH NO DATA");
          st.execute("CREATE INDEX ON " + table + " USING brin (" + VERSION + ")");
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      putTrigger(c, target);
      return find(c, target);
    }
  }

  /**
   * Puts the trigger keel_prior_rows on {@code target} unless it has one (sink V9 describes it): a
   * plain heap table keel may put a trigger on. In a transaction of its own that waits at most 2 s
   * for the target's lock (CREATE TRIGGER waits for the table's writers, and new writers wait
   * behind it); when it cannot (a busy table), the versioned upserts join until a later session
   * puts it.
   */
  private static void putTrigger(Connection c, TargetTable target) throws SQLException {
    if (hasTrigger(c, target) || !mayPutTrigger(c, target)) {
      return;
    }
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SET LOCAL lock_timeout = '2s'");
      try (PreparedStatement ps =
          c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('keel_prior_rows ' || ?))")) {
        ps.setString(1, target.name());
        ps.execute();
      }
      if (!hasTrigger(c, target)) {
        st.execute(
            "CREATE TRIGGER "
                + TRIGGER
                + " AFTER UPDATE ON "
                + target.qualified
                + " REFERENCING OLD TABLE AS keel_prior FOR EACH STATEMENT"
                + " EXECUTE FUNCTION keel_sink.record_prior_rows()");
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      log.info(
          "{}: could not put the trigger {} on it now ({}); its versioned upserts join the table"
              + " for their prior rows until a later run does",
          target.name(),
          TRIGGER,
          e.getMessage());
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * Whether {@code target} is a plain heap table (a partition is one) this user may put a trigger
   * on: a partitioned table's upsert cannot return xmax, and what xmax says is the heap's.
   */
  private static boolean mayPutTrigger(Connection c, TargetTable target) throws SQLException {
    return holds(
        c,
        target,
        "SELECT "
            + HEAP_TABLE
            + " AND has_table_privilege(t.oid, 'TRIGGER') FROM pg_class t"
            + " WHERE t.oid = CAST(? AS regclass)");
  }

  private static boolean hasTrigger(Connection c, TargetTable target) throws SQLException {
    return holds(
        c,
        target,
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = CAST(? AS regclass)"
            + " AND tgname = '"
            + TRIGGER
            + "')");
  }

  /**
   * {@code sql}'s one boolean about {@code target} (its one parameter, the target's qualified
   * name); false when it returns no row.
   */
  private static boolean holds(Connection c, TargetTable target, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, target.qualified);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * The target's oid when its trigger keel_prior_rows can record an upsert's prior rows into this
   * images table now: the trigger is there, calls keel's function and fires on this connection, the
   * target is a plain heap table, and its columns are still this table's (the trigger inserts them
   * in their order); else -1, and the upsert joins ({@link #record}).
   */
  long priorRowsTrigger(Connection c, TargetTable target) throws SQLException {
    long relid;
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT g.tgrelid::bigint FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid,
              current_setting('session_replication_role') r
            WHERE g.tgrelid = CAST(? AS regclass) AND g.tgname = ? AND g.tgoldtable = 'keel_prior'
              AND g.tgfoid = to_regprocedure('keel_sink.record_prior_rows()')
              AND %s
              AND (g.tgenabled = 'A' OR (g.tgenabled = 'O' AND r <> 'replica') OR (g.tgenabled = 'R' AND r = 'replica'))"""
                .formatted(HEAP_TABLE))) {
      ps.setString(1, target.qualified);
      ps.setString(2, TRIGGER);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return -1;
        }
        relid = rs.getLong(1);
      }
    }
    RowImages now = find(c, target);
    boolean same =
        now != null && now.current && now.name.equals(name) && now.columns.equals(columns);
    return same ? relid : -1;
  }

  /**
   * In a publish transaction, before a versioned upsert's statements: sets keel.prior_rows (for
   * this transaction) so that the trigger of the target {@code relid} ({@link #priorRowsTrigger})
   * records the prior rows of the rows they update into {@code table}, under {@code version} and
   * {@code chunk}.
   */
  static void startRecordingPriorRows(
      Connection c, long relid, String table, long version, int chunk) throws SQLException {
    setPriorRows(c, relid + " " + version + " " + chunk + " " + table);
  }

  /**
   * After the upsert's statements: the trigger records nothing more in this transaction; and it was
   * there all along: the statements hold the target's lock now, so no one can disable or drop it,
   * or change the table's columns, before the commit, but someone could have between {@link
   * #priorRowsTrigger} and the first statement. Then the publish fails, to be retried (SQLSTATE
   * 40001), instead of committing rows whose prior images were not all recorded.
   */
  void stopRecordingPriorRows(Connection c, TargetTable target, long relid) throws SQLException {
    setPriorRows(c, "");
    if (priorRowsTrigger(c, target) != relid) {
      throw new SQLException(
          "the trigger "
              + TRIGGER
              + " of "
              + target.name()
              + " or its columns changed while a versioned upsert ran; nothing is published,"
              + " and a retry records the prior rows as the table is now",
          "40001");
    }
  }

  private static void setPriorRows(Connection c, String value) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT set_config('keel.prior_rows', ?, true)")) {
      ps.setString(1, value);
      ps.execute();
    }
  }

  /**
   * Whether a column of the target is of a domain: its constraints (NOT NULL, a CHECK) could refuse
   * the NULLs of an inserted row's record, so such a target's upserts record as text.
   */
  private static boolean hasDomain(Connection c, TargetTable target) throws SQLException {
    return holds(
        c,
        target,
        "SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
            + " WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
            + " AND ty.typtype = 'd')");
  }

  /**
   * The images table of {@code target}, or null when it has none (or the sink schema is older than
   * V6: a rollback before any run of the new version migrated it).
   */
  static RowImages find(Connection c, TargetTable target) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT to_regclass('keel_sink.row_image') IS NOT NULL");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next() || !rs.getBoolean(1)) {
        return null;
      }
    }
    long id;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT id FROM keel_sink.row_image WHERE target = ?")) {
      ps.setString(1, target.name());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        id = rs.getLong(1);
      }
    }
    String name = "row_image_" + id;
    List<String[]> mine = columns(c, "keel_sink." + Identifiers.quote(name));
    if (mine.size() < 3) {
      return null;
    }
    mine = mine.subList(3, mine.size());
    List<String[]> theirs = columns(c, target.qualified);
    boolean same = mine.size() == theirs.size();
    for (int i = 0; same && i < mine.size(); i++) {
      same = mine.get(i)[0].equals(theirs.get(i)[0]) && mine.get(i)[1].equals(theirs.get(i)[1]);
    }
    return new RowImages(name, mine.stream().map(col -> col[0]).toList(), same);
  }

  /** Whether an upsert records here: the target has these columns still, and recording is on. */
  boolean usable() {
    return current && recording;
  }

  private static List<String[]> columns(Connection c, String table) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }

  /**
   * Where a publish of {@code version} that staged {@code staged} rows records: its own table (made
   * here, in the publish transaction, if a chunk before did not) when it stages at least {@link
   * #OWN_TABLE_ROWS}, else the shared one.
   */
  String into(Connection c, long version, long staged) throws SQLException {
    if (staged < OWN_TABLE_ROWS) {
      return qualified;
    }
    String table = versionTable(version);
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS " + table + " (LIKE " + qualified + ")");
    }
    return table;
  }

  private String versionTable(long version) {
    return "keel_sink." + Identifiers.quote(name + "_" + version);
  }

  /**
   * The insert that records into {@code table} ({@link #into}), under {@code version} and {@code
   * chunk}, the rows of {@code w} (the keys an upsert wrote) joined with {@code o} (the target as
   * it was before it, LEFT JOINed on the key): the prior row of an updated one, the key of an
   * inserted one.
   */
  String record(String table, long version, int chunk, List<String> key) {
    String values =
        columns.stream()
            .map(col -> (key.contains(col) ? "w." : "o.") + Identifiers.quote(col))
            .collect(Collectors.joining(", "));
    return "INSERT INTO "
        + table
        + " SELECT "
        + version
        + ", "
        + chunk
        + ", CASE WHEN o.ctid IS NULL THEN 'i' ELSE 'u' END, "
        + values;
  }

  /**
   * The insert that records into {@code table}, under {@code version} and {@code chunk}, the keys
   * of the rows of {@code w} (the keys an upsert wrote) that it inserted ({@code
   * w._keel_inserted}); the trigger records the updated ones ({@link #startRecordingPriorRows}).
   */
  String recordInserted(String table, long version, int chunk, List<String> key) {
    String keys = key.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    return "INSERT INTO "
        + table
        + " ("
        + VERSION
        + ", "
        + CHUNK
        + ", "
        + OP
        + ", "
        + keys
        + ") SELECT "
        + version
        + ", "
        + chunk
        + ", 'i', "
        + key.stream().map(k -> "w." + Identifiers.quote(k)).collect(Collectors.joining(", "));
  }

  /**
   * The rows recorded under {@code versions}, in the shared table and in the tables of single
   * versions that exist, as row_version's: version_id, chunk, op, key (as {@link
   * LoadVersions#keyText}) and image (the text form of the target's row type, null for an inserted
   * row).
   */
  String restoreRows(Connection c, long[] versions, List<String> key) throws SQLException {
    String keyText = LoadVersions.keyText("v", key);
    String row =
        "ROW("
            + columns.stream()
                .map(col -> "v." + Identifiers.quote(col))
                .collect(Collectors.joining(", "))
            + ")::text";
    String select =
        "SELECT v."
            + VERSION
            + ", v."
            + CHUNK
            + ", v."
            + OP
            + ", "
            + keyText
            + ", CASE WHEN v."
            + OP
            + " = 'u' THEN "
            + row
            + " END FROM ";
    StringBuilder sql =
        new StringBuilder(select)
            .append(qualified)
            .append(" v WHERE")
            .append(ModeRollback.versionIn(versions).replace("v.version_id", "v." + VERSION));
    for (String table : versionTables(c, versions)) {
      sql.append(" UNION ALL ").append(select).append(table).append(" v");
    }
    return sql.toString();
  }

  /** The tables of single versions among {@code versions} that exist. */
  private List<String> versionTables(Connection c, long[] versions) throws SQLException {
    List<String> names = new ArrayList<>();
    for (long v : versions) {
      names.add(name + "_" + v);
    }
    List<String> found = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT relname FROM pg_class WHERE relnamespace = 'keel_sink'::regnamespace"
                + " AND relkind = 'r' AND relname = ANY (?) ORDER BY relname")) {
      ps.setArray(1, c.createArrayOf("text", names.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add("keel_sink." + Identifiers.quote(rs.getString(1)));
        }
      }
    }
    return found;
  }

  /**
   * {inserted, updated}: the rows recorded in {@code table} ({@link #into}) under {@code version}
   * and {@code chunk}.
   */
  long[] counted(Connection c, String table, long version, int chunk) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FILTER (WHERE "
                + OP
                + " = 'i'), count(*) FILTER (WHERE "
                + OP
                + " = 'u') FROM "
                + table
                + " WHERE "
                + VERSION
                + " = ? AND "
                + CHUNK
                + " = ?")) {
      ps.setLong(1, version);
      ps.setInt(2, chunk);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  /** Deletes what the versions {@code ids} recorded: their rows, and their own tables. */
  void prune(Connection c, long[] ids) throws SQLException {
    if (ids.length == 0) {
      return;
    }
    long min = ids[0];
    long max = ids[0];
    for (long id : ids) {
      min = Math.min(min, id);
      max = Math.max(max, id);
    }
    try (Statement st = c.createStatement()) {
      st.executeUpdate(
          "DELETE FROM "
              + qualified
              + " v WHERE v."
              + VERSION
              + " BETWEEN "
              + min
              + " AND "
              + max
              + " AND"
              + ModeRollback.versionIn(ids).replace("v.version_id", "v." + VERSION));
      for (long id : ids) {
        st.execute("DROP TABLE IF EXISTS " + versionTable(id));
      }
    }
  }
}
