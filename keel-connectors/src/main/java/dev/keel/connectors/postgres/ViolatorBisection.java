package dev.keel.connectors.postgres;

import dev.keel.runtime.RejectedLimitException;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts the staged rows into the target and sets aside, as rejected records, the rows that break
 * a constraint keel cannot check before publishing: a CHECK, a foreign key, NOT NULL on a column
 * the pipeline does not declare, an exclusion constraint, a unique index other than the upsert key
 * (SQLSTATE class 23). Keys repeated within the batch were rejected before (PostgresSinkSession).
 *
 * <p>All of it runs inside the publish transaction, so the publish stays atomic: the target gets
 * the good rows or nothing. The insert of all rows runs once, under a savepoint; when it succeeds,
 * that was the whole cost (a SAVEPOINT and a RELEASE). When it fails with class 23 it is rolled
 * back to the savepoint, and the stage is searched by bisection over source positions: each half is
 * inserted under its own savepoint, lower positions first; a half that succeeds stays, a half that
 * fails is rolled back and split again, and a single row that fails alone is a violator: it is
 * deleted from the stage and rejected with the constraint's name and PostgreSQL's message. With v
 * violators among n rows that is at most 2·v·⌈log2 n⌉ + 1 inserts, each over the rows of its range,
 * plus one lookup of a split point per failed range (on an index built when the first violation is
 * seen). The heap holds the recursion only, ⌈log2 n⌉ deep.
 *
 * <p>Two rows of the batch that conflict with each other (an exclusion constraint, a unique index):
 * the one at the lower position is published and the later one rejected, as by the unique rule. A
 * row may reference a later row of the same batch through a foreign key of the table to itself (the
 * insert of all rows checks it when the statement ends, so it passes there): when the two land in
 * different halves, the row fails alone. Such a row, whose parent is among the rows not inserted
 * yet, is set aside (keel_pending) instead of rejected, and once the search has inserted the rest,
 * the rows set aside are inserted together, searched the same way, again until a round inserts or
 * rejects none of them; what is left then is rejected. A row is so rejected only when its parent is
 * not published (it is missing, or was rejected itself). Those foreign keys stay deferred when they
 * are (TargetTable), which needs none of this.
 *
 * <p>After each violator the rejected-record limit is asked again; over it, the search stops and
 * {@link RejectedLimitException} rolls the whole publish back.
 *
 * <p>Every insert that stays is a subtransaction of the publish transaction; past 64 of them, other
 * sessions check the visibility of its rows through pg_subtrans (slower) until it commits. Their
 * number grows with the violators, which the limit bounds; a clean publish has one.
 */
final class ViolatorBisection {
  private static final Logger log = LoggerFactory.getLogger(ViolatorBisection.class);
  private static final int MAX_REASON_CHARS = 2_000;

  /**
   * Rows that failed alone only for want of a parent among the rows not inserted yet (see the class
   * comment).
   */
  static final String PENDING = "keel_pending";

  private static final String POS = StageTable.POSITION;
  private static final String RANGE = " WHERE " + POS + " >= ? AND " + POS + " < ?";

  private final Connection conn;
  private final PublishStatement statement;
  private final TargetTable target;
  private final TaskRef task;
  private final String rowText;
  private final Rejects rejects;
  private final LongPredicate stillWithinLimit;
  private final long rejectedBefore;
  private PreparedStatement range;
  private PreparedStatement split;
  private PreparedStatement delete;

  /** The table searched now: the stage, or (rounds after it) the rows set aside. */
  private String table = StageTable.NAME;

  private List<TargetTable.SelfReference> selfReferences;

  /** Rows in {@link #PENDING}; -1 before it is created. */
  private long pending = -1;

  private long violators;
  private int inserts;

  /**
   * @param rejectedBefore records this publish rejected already (repeated keys): the limit is asked
   *     with them plus the violators
   * @param stillWithinLimit asked with all the records rejected at publish; false fails the publish
   */
  ViolatorBisection(
      Connection conn,
      PublishStatement statement,
      TargetTable target,
      List<Column> columns,
      TaskRef task,
      Rejects rejects,
      long rejectedBefore,
      LongPredicate stillWithinLimit) {
    this.conn = conn;
    this.statement = statement;
    this.target = target;
    this.task = task;
    this.rejects = rejects;
    this.rejectedBefore = rejectedBefore;
    this.stillWithinLimit = stillWithinLimit;
    this.rowText = StageTable.rowText(columns);
  }

  /** Inserts every staged row but the violators, which it rejects; returns how many it rejected. */
  long publish() throws SQLException {
    SQLException failure = insertAll(statement.insertAll());
    if (failure == null) {
      return 0;
    }
    long started = System.nanoTime();
    long rows = indexStage();
    search(StageTable.NAME, rows, failure);
    insertPending();
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (violators == 0) {
      log.warn(
          "{}: inserting all {} rows into {} broke a constraint ({}), but no row does alone; published them in parts"
              + " ({} inserts, {} ms)",
          task,
          rows,
          target.name(),
          failure.getMessage(),
          inserts,
          ms);
    } else {
      log.info(
          "{}: {} of {} staged rows break a constraint of {} and are rejected (keel.dead_letter); the others are"
              + " published ({} inserts to find them, {} ms)",
          task,
          violators,
          rows,
          target.name(),
          inserts,
          ms);
    }
    return violators;
  }

  /**
   * Runs one insert of every row under a savepoint: null when it went in, else the violation it
   * failed with (rolled back to the savepoint). Any other error is thrown.
   */
  private SQLException insertAll(String sql) throws SQLException {
    Savepoint sp = conn.setSavepoint();
    try (Statement st = conn.createStatement()) {
      inserts++;
      st.executeUpdate(sql);
      conn.releaseSavepoint(sp);
      return null;
    } catch (SQLException e) {
      if (!isViolation(e)) {
        throw e;
      }
      undo(sp);
      return e;
    }
  }

  /** Inserts so far, the first (all rows) included. */
  int inserts() {
    return inserts;
  }

  /**
   * An index for the split points (the stage has none: a clean publish never needs it); returns the
   * staged rows.
   */
  private long indexStage() throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE INDEX ON " + StageTable.NAME + " (" + StageTable.POSITION + ")");
      st.execute("ANALYZE " + StageTable.NAME);
    }
    return count(StageTable.NAME);
  }

  /** Searches the {@code count} rows of {@code t}, whose insert failed with {@code failure}. */
  private void search(String t, long count, SQLException failure) throws SQLException {
    table = t;
    try (PreparedStatement r = conn.prepareStatement(statement.insertRange(t));
        PreparedStatement s =
            conn.prepareStatement(
                "SELECT "
                    + POS
                    + " FROM "
                    + t
                    + " WHERE "
                    + POS
                    + " >= ? ORDER BY "
                    + POS
                    + " OFFSET ? LIMIT 1");
        PreparedStatement d =
            conn.prepareStatement(
                "DELETE FROM " + t + " s" + RANGE + " RETURNING " + POS + ", " + rowText)) {
      range = r;
      split = s;
      delete = d;
      settle(Long.MIN_VALUE, Long.MAX_VALUE, count, failure);
    }
  }

  /**
   * Rounds over the rows set aside: all of them in one insert (a foreign key is checked when it
   * ends, so rows referencing each other pass together), else searched as the stage was, until a
   * round inserts or rejects none; those left are then rejected.
   */
  private void insertPending() throws SQLException {
    while (pending > 0) {
      long before = pending;
      SQLException failure = insertAll(statement.insertAll(PENDING));
      if (failure == null) {
        try (Statement st = conn.createStatement()) {
          st.executeUpdate("DELETE FROM " + PENDING);
        }
        pending = 0;
        return;
      }
      search(PENDING, before, failure);
      pending = count(PENDING);
      if (pending == before) {
        rejectPending();
        return;
      }
    }
  }

  /**
   * The rows still set aside after a round that changed nothing: rejected, each with its last
   * failure.
   */
  private void rejectPending() throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "WITH d AS (DELETE FROM "
                    + PENDING
                    + " s RETURNING "
                    + POS
                    + ", "
                    + rowText
                    + ", _keel_reason) SELECT * FROM d ORDER BY 1")) {
      while (rs.next()) {
        pending--;
        rejected(rs.getLong(1), rs.getString(2), rs.getString(3));
      }
    }
  }

  private long count(String t) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * The {@code count} rows at positions [from, to) failed together with {@code failure}: find the
   * violators among them.
   */
  private void settle(long from, long to, long count, SQLException failure) throws SQLException {
    if (count == 1) {
      reject(from, to, failure);
      return;
    }
    long half = count / 2;
    long mid = splitAt(from, half);
    insert(from, mid, half);
    insert(mid, to, count - half);
  }

  private void insert(long from, long to, long count) throws SQLException {
    Savepoint sp = conn.setSavepoint();
    SQLException failure = null;
    try {
      inserts++;
      range.setLong(1, from);
      range.setLong(2, to);
      range.executeUpdate();
      conn.releaseSavepoint(sp);
      if (table.equals(PENDING)) {
        try (PreparedStatement done = conn.prepareStatement("DELETE FROM " + PENDING + RANGE)) {
          done.setLong(1, from);
          done.setLong(2, to);
          done.executeUpdate();
        }
      }
    } catch (SQLException e) {
      if (!isViolation(e)) {
        throw e;
      }
      undo(sp);
      failure = e;
    }
    if (failure != null) {
      settle(from, to, count, failure);
    }
  }

  /** The position of the row {@code offset} rows after the first at or after {@code from}. */
  private long splitAt(long from, long offset) throws SQLException {
    split.setLong(1, from);
    split.setLong(2, offset);
    try (ResultSet rs = split.executeQuery()) {
      if (!rs.next()) {
        throw new IllegalStateException(
            task
                + ": no staged row "
                + offset
                + " rows after position "
                + from
                + "; the stage has fewer rows than counted (a bug)");
      }
      return rs.getLong(1);
    }
  }

  private void reject(long from, long to, SQLException failure) throws SQLException {
    if (parentNotInsertedYet(from, to, failure)) {
      setAside(from, to, failure);
      return;
    }
    delete.setLong(1, from);
    delete.setLong(2, to);
    long position;
    String raw;
    try (ResultSet rs = delete.executeQuery()) {
      if (!rs.next()) {
        throw new IllegalStateException(
            task + ": no staged row at positions [" + from + ", " + to + ") (a bug)");
      }
      position = rs.getLong(1);
      raw = rs.getString(2);
      if (rs.next()) {
        throw new IllegalStateException(
            task + ": more than one staged row at positions [" + from + ", " + to + ") (a bug)");
      }
    }
    rejected(position, raw, reason(failure, target.name()));
  }

  /**
   * Whether the one row at [from, to) of the table searched failed a foreign key of the target to
   * itself whose parent is among the rows not inserted yet: later in the stage, or set aside.
   */
  private boolean parentNotInsertedYet(long from, long to, SQLException failure)
      throws SQLException {
    ServerErrorMessage m = failure instanceof PSQLException p ? p.getServerErrorMessage() : null;
    if (!"23503".equals(failure.getSQLState()) || m == null || m.getConstraint() == null) {
      return false;
    }
    if (selfReferences == null) {
      selfReferences = target.selfReferences(conn);
    }
    TargetTable.SelfReference ref =
        selfReferences.stream()
            .filter(r -> r.name().equals(m.getConstraint()))
            .findFirst()
            .orElse(null);
    if (ref == null) {
      return false;
    }
    String child =
        "("
            + ref.columns().stream()
                .map(c -> "c." + Identifiers.quote(c))
                .collect(Collectors.joining(", "))
            + ")";
    String parent =
        "("
            + ref.referenced().stream()
                .map(c -> "p." + Identifiers.quote(c))
                .collect(Collectors.joining(", "))
            + ")";
    String later =
        table.equals(StageTable.NAME)
            ? "EXISTS (SELECT 1 FROM "
                + StageTable.NAME
                + " p WHERE p."
                + POS
                + " >= ? AND "
                + parent
                + " = "
                + child
                + ")"
            : "false";
    String setAside =
        pending < 0
            ? "false"
            : "EXISTS (SELECT 1 FROM "
                + PENDING
                + " p WHERE p."
                + POS
                + " <> c."
                + POS
                + " AND "
                + parent
                + " = "
                + child
                + ")";
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT "
                + later
                + " OR "
                + setAside
                + " FROM "
                + table
                + " c"
                + RANGE.replace(POS, "c." + POS))) {
      int i = 1;
      if (table.equals(StageTable.NAME)) {
        ps.setLong(i++, to);
      }
      ps.setLong(i++, from);
      ps.setLong(i, to);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Sets the one row at [from, to) aside, to insert once the rest is in; it counts as rejected only
   * if it fails then.
   */
  private void setAside(long from, long to, SQLException failure) throws SQLException {
    String reason = reason(failure, target.name());
    if (table.equals(PENDING)) {
      try (PreparedStatement ps =
          conn.prepareStatement("UPDATE " + PENDING + " SET _keel_reason = ?" + RANGE)) {
        ps.setString(1, reason);
        ps.setLong(2, from);
        ps.setLong(3, to);
        ps.executeUpdate();
      }
      return;
    }
    if (pending < 0) {
      try (Statement st = conn.createStatement()) {
        st.execute(
            "CREATE TEMP TABLE "
                + PENDING
                + " (LIKE "
                + StageTable.NAME
                + ", _keel_reason text) ON COMMIT DROP");
        st.execute("CREATE INDEX ON " + PENDING + " (" + POS + ")");
      }
      pending = 0;
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "WITH d AS (DELETE FROM "
                + StageTable.NAME
                + RANGE
                + " RETURNING *) INSERT INTO "
                + PENDING
                + " SELECT d.*, ? FROM d")) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      ps.setString(3, reason);
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException(
            task + ": not one staged row at positions [" + from + ", " + to + ") (a bug)");
      }
    }
    pending++;
  }

  /** A row rejected: its dead letter, and the limit asked again. */
  private void rejected(long position, String raw, String reason) {
    rejects.reject(position, raw, reason);
    violators++;
    long rejected = rejectedBefore + violators;
    if (!stillWithinLimit.test(rejected)) {
      // The count is what the runner adds to the partition's rejects.
      throw new RejectedLimitException(
          rejected,
          rejected
              + " records of "
              + task
              + " were rejected when publishing to "
              + target.name()
              + ", "
              + violators
              + " of them for breaking a constraint of the table");
    }
  }

  private void undo(Savepoint sp) throws SQLException {
    conn.rollback(sp);
    conn.releaseSavepoint(sp);
  }

  /**
   * Class 23, integrity constraint violation, naming the constraint or column it is about: a row
   * the target refuses, not a broken publish. A class-23 error that names neither (a trigger
   * raising {@code ERRCODE '23514'} for every row, say) is not pinned on rows: searching would
   * dead-letter the whole partition and call it a success; the publish fails instead, with
   * PostgreSQL's message.
   */
  static boolean isViolation(SQLException e) {
    if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
      return false;
    }
    ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
    return m != null && (m.getConstraint() != null || m.getColumn() != null);
  }

  /**
   * The dead letter's reason: the constraint (or the column of a NOT NULL), the table and
   * PostgreSQL's words.
   */
  static String reason(SQLException e, String table) {
    ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
    String text;
    if (m == null) {
      text = "a constraint of " + table + ": " + e.getMessage();
    } else {
      String which =
          m.getConstraint() != null
              ? "constraint " + m.getConstraint()
              : m.getColumn() != null
                  ? "not-null constraint on column " + m.getColumn()
                  : "a constraint";
      text =
          which
              + " of "
              + table
              + ": "
              + m.getMessage()
              + (m.getDetail() == null ? "" : "; " + m.getDetail());
    }
    return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "…";
  }
}
