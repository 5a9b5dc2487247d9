package dev.keel.connectors.postgres;

import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.SinkSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A target table {@code items (id, name, part, note)} with keep_versions, for the rollback tests:
 * loads publish rows through the real sink, each as a run of its own with a newer fence, and the
 * table's rows of a partition can be read as a sorted list (a multiset). {@code note} is a column
 * the pipeline does not declare (a default), to show that rows come back whole.
 */
final class VersionedTable implements AutoCloseable {
  static final List<Column> COLUMNS =
      List.of(
          new Column("id", ColumnType.parse("bigint")),
          new Column("name", ColumnType.parse("text")),
          new Column("amount", ColumnType.parse("numeric(12,2)")),
          new Column("ts", ColumnType.parse("timestamptz")),
          new Column("part", ColumnType.parse("text")));

  private final DataSource ds;
  private final PostgresSink sink;
  private final SinkSpec.Commit commit;
  private long fence;

  VersionedTable(DataSource ds, SinkSpec.Mode mode, int keep, SinkSpec.Commit commit)
      throws SQLException {
    this.ds = ds;
    this.commit = commit;
    boolean migrated = count("SELECT count(to_regclass('keel_sink.row_version'))") > 0;
    exec(
        "DO $$ BEGIN IF to_regclass('keel_sink.row_version') IS NOT NULL THEN TRUNCATE keel_sink.version,"
            + " keel_sink.row_version, keel_sink.fence, keel_sink.load, keel_sink.checkpoint; END IF;"
            + " IF to_regclass('keel_sink.row_image') IS NOT NULL THEN TRUNCATE keel_sink.row_image;"
            + " END IF; END $$",
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT relname FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE nspname = 'keel_sink' AND relkind = 'r'"
            + " AND relname LIKE 'row\\_image\\_%' LOOP"
            + " EXECUTE format('DROP TABLE keel_sink.%I', r.relname); END LOOP; END $$",
        "DROP TABLE IF EXISTS items",
        "DROP SEQUENCE IF EXISTS items_note",
        "CREATE SEQUENCE items_note",
        "CREATE TABLE items (id bigint"
            + (mode == SinkSpec.Mode.UPSERT ? " PRIMARY KEY" : "")
            + ", name text, amount numeric(12,2), ts timestamptz, part text,"
            + " note text DEFAULT 'n' || nextval('items_note'))");
    PostgresSinkSpec spec =
        new PostgresSinkSpec(
            null,
            null,
            null,
            "public",
            "items",
            mode == SinkSpec.Mode.UPSERT ? List.of("id") : List.of(),
            mode,
            mode == SinkSpec.Mode.UPSERT ? null : "part",
            commit,
            3,
            mode == SinkSpec.Mode.REPLACE,
            keep);
    sink = new PostgresSink(ds, spec, COLUMNS, false, null);
    if (!migrated) {
      // Flyway takes seconds on a busy machine; the schema stays, emptied above, between tables.
      sink.prepare();
    }
  }

  /** A row: id, name, amount, a timestamp, partition. */
  static Object[] row(long id, String name, String part) {
    return new Object[] {
      id,
      name,
      new java.math.BigDecimal(id + ".25"),
      java.time.OffsetDateTime.parse("2026-01-01T10:00:00.123456+02:00").plusHours(id),
      part
    };
  }

  /**
   * Publishes {@code rows} as run {@code run} of {@code partition}; with commit chunk, by threes.
   */
  void load(long run, String partition, Object[]... rows) {
    long token = ++fence;
    sink.fence(partition, token);
    loadAs(run, partition, token, rows);
  }

  /** Publishes as an attempt holding claim {@code token}, whatever the partition's fence is now. */
  void loadAs(long run, String partition, long token, Object[]... rows) {
    try (SinkSession s = sink.begin(new TaskRef(run, run, "items", partition, 1, token))) {
      if (sink.history().isPresent() && chunked()) {
        int i = 0;
        SinkSession.Checkpoint at = new SinkSession.Checkpoint("0", 0, 0, 0, 0, 0);
        for (Object[] r : rows) {
          s.stage(++i, r);
          if (i % 3 == 0) {
            s.publishChunk(at, NONE, n -> true);
            at = new SinkSession.Checkpoint(String.valueOf(i), at.chunks() + 1, i, 0, 0, 0);
          }
        }
      } else {
        int i = 0;
        for (Object[] r : rows) {
          s.stage(++i, r);
        }
      }
      s.publish(NONE, n -> true);
    }
  }

  private boolean chunked() {
    return commit == SinkSpec.Commit.CHUNK;
  }

  private static final Rejects NONE = (position, raw, reason) -> {};

  LoadHistory history() {
    return sink.history().orElseThrow();
  }

  /** Rolls {@code partition} back to {@code run} with a fence newer than every load so far. */
  LoadHistory.Load rollback(String partition, long run) {
    return history().rollback(partition, run, ++fence);
  }

  /** The rows of {@code partition}, every column, as sorted text (duplicates kept). */
  List<String> rows(String partition) {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT to_jsonb(t)::text FROM items t WHERE part = '"
                    + partition
                    + "' ORDER BY 1")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The newest token handed out so far. */
  long fence() {
    return fence;
  }

  void execute(String sql) throws SQLException {
    exec(sql);
  }

  long count(String sql) {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void exec(String... sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  @Override
  public void close() {
    sink.close();
  }
}
