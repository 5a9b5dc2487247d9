package dev.keel.connectors.postgres;

import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.Identifiers;
import dev.keel.spec.SinkSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a publish records, in its own transaction, so that it can be undone ({@code keep_versions}):
 * a row in keel_sink.version for the load, and in keel_sink.row_version what undoes it (see
 * V5__versions.sql): upsert, the prior image of each row it changes and the key of each row it
 * inserts, recorded by the upsert statement ({@link PublishStatement#recording}), since sink V6 in
 * the target's own images table ({@link RowImages}); replace, the prior image of every row of the
 * partition; append, a hash of each row it adds ({@link PublishStatement#recording}). The newest
 * {@code keep_versions} loads of the partition keep their rows, one more keeps its version row (the
 * oldest state a rollback can restore), older ones are pruned in the same transaction.
 */
final class LoadVersions {
  private static final String BEGIN =
      """
      INSERT INTO keel_sink.version (target, partition, load_id, run_id, restored_run, mode)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (target, partition, load_id) DO UPDATE SET mode = excluded.mode RETURNING id""";

  private static final String PRUNE_ROWS =
      """
      WITH old AS (SELECT id FROM keel_sink.version WHERE target = ? AND partition = ? AND undoable
                   ORDER BY id DESC OFFSET ?),
           gone AS (UPDATE keel_sink.version v SET undoable = false FROM old WHERE v.id = old.id RETURNING v.id),
           rows AS (DELETE FROM keel_sink.row_version WHERE version_id IN (SELECT id FROM gone))
      SELECT id FROM gone""";

  private static final String PRUNE_VERSIONS =
      """
      DELETE FROM keel_sink.version WHERE id IN (
        SELECT id FROM keel_sink.version WHERE target = ? AND partition = ? ORDER BY id DESC OFFSET ?)""";

  private static final String COUNT =
      "UPDATE keel_sink.version SET inserted = inserted + ?, updated = updated + ?, deleted = deleted + ? WHERE id = ?";

  /**
   * The settings a row's text form depends on, fixed while hashes are taken (append): the same row
   * hashes alike whatever the node's time zone.
   */
  static final String[] STABLE_TEXT = {
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, MDY'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'"
  };

  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final TargetTable target;
  private final PublishStatement statement;

  /** The target's images table (an upsert's records since sink V6), or null. */
  final RowImages images;

  LoadVersions(
      PostgresSinkSpec spec,
      List<Column> columns,
      TargetTable target,
      PublishStatement statement,
      RowImages images) {
    this.spec = spec;
    this.columns = columns;
    this.target = target;
    this.statement = statement;
    this.images = images;
  }

  /**
   * What one publish (or chunk) recorded before its write: its version, its chunk, and the rows the
   * capture counted (replace; an upsert records as it writes, {@link #upserted}).
   */
  record Recorded(long version, int chunk, long inserted, long updated, long deleted) {}

  /**
   * Records the version of {@code task}'s load (the same one for every chunk of it) and, before the
   * write, what undoes it; prunes older versions of the partition.
   */
  Recorded begin(Connection c, TaskRef task, int chunk) throws SQLException {
    long version = open(c, task.partition(), task.loadId(), task.runId(), null, spec.mode());
    long deleted = 0;
    switch (spec.mode()) {
      case UPSERT -> {
        // Recorded by the upsert itself (PublishStatement#recording).
      }
      case REPLACE -> deleted = captureReplace(c, version, task.partition());
      case APPEND -> stableText(c);
    }
    prune(c, task.partition());
    return new Recorded(version, chunk, 0, 0, deleted);
  }

  /**
   * The rows an upsert recorded under {@code version} and {@code chunk}: {inserted, updated}, in
   * the table of row images it recorded into ({@link RowImages#into}; null: none) and in
   * keel_sink.row_version (a few hundred rows per million).
   */
  long[] upserted(Connection c, long version, int chunk, String imagesTable) throws SQLException {
    long[] inRows = recordedRows(c, version, chunk);
    if (images == null || imagesTable == null) {
      return inRows;
    }
    long[] typed = images.counted(c, imagesTable, version, chunk);
    return new long[] {inRows[0] + typed[0], inRows[1] + typed[1]};
  }

  private static long[] recordedRows(Connection c, long version, int chunk) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT coalesce(sum(CASE WHEN op = 'r' THEN keys[2]::bigint - keys[1]::bigint + 1"
                + " ELSE cardinality(keys) END), 0), coalesce(sum(cardinality(images)), 0)"
                + " FROM keel_sink.row_version WHERE version_id = ? AND chunk = ?")) {
      ps.setLong(1, version);
      ps.setInt(2, chunk);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  /**
   * After an upsert COPYed straight into an empty target ({@link DirectCopy}): the key of each row
   * it inserted. As runs of consecutive integer keys when {@code runs} holds them all (op 'r', keys
   * {low, high}: a few rows, nothing read back); else the rows of the target this transaction wrote
   * (its own id in xmin; the target held nothing else of this transaction's), a key each.
   */
  void recordCopied(Connection c, Recorded r, KeyRuns runs) throws SQLException {
    if (runs != null && runs.complete()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO keel_sink.row_version (version_id, chunk, op, keys) SELECT ?, ?, 'r',"
                  + " ARRAY[low::text, high::text] FROM unnest(?::bigint[], ?::bigint[]) AS r(low, high)")) {
        ps.setLong(1, r.version());
        ps.setInt(2, r.chunk());
        ps.setArray(3, c.createArrayOf("bigint", box(runs.lows())));
        ps.setArray(4, c.createArrayOf("bigint", box(runs.highs())));
        ps.executeUpdate();
      }
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO keel_sink.row_version (version_id, chunk, op, keys) SELECT ?, ?, 'i', array_agg(k)"
                + " FROM (SELECT "
                + keyText("t")
                + " AS k, "
                + BATCHES
                + " AS batch FROM "
                + target.qualified
                + " t WHERE t.xmin = pg_current_xact_id()::xid) x GROUP BY batch")) {
      ps.setLong(1, r.version());
      ps.setInt(2, r.chunk());
      ps.executeUpdate();
    }
  }

  private static Long[] box(long[] values) {
    return java.util.Arrays.stream(values).boxed().toArray(Long[]::new);
  }

  /** Adds to the counts of {@code version}. */
  static void count(Connection c, long version, long inserted, long updated, long deleted)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(COUNT)) {
      ps.setLong(1, inserted);
      ps.setLong(2, updated);
      ps.setLong(3, deleted);
      ps.setLong(4, version);
      ps.executeUpdate();
    }
  }

  /** The version row of a load (a chunk of a chunked load finds the one its first chunk wrote). */
  long open(
      Connection c, String partition, String loadId, Long runId, Long restored, SinkSpec.Mode mode)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(BEGIN)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setString(3, loadId);
      ps.setObject(4, runId);
      ps.setObject(5, restored);
      ps.setString(6, mode.name().toLowerCase(java.util.Locale.ROOT));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Keeps the rows of the newest keep_versions versions of the partition, and one more version. */
  void prune(Connection c, String partition) throws SQLException {
    List<Long> gone = new java.util.ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(PRUNE_ROWS)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setInt(3, spec.keepVersions());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          gone.add(rs.getLong(1));
        }
      }
    }
    if (images != null) {
      images.prune(c, gone.stream().mapToLong(Long::longValue).toArray());
    }
    try (PreparedStatement ps = c.prepareStatement(PRUNE_VERSIONS)) {
      ps.setString(1, target.name());
      ps.setString(2, partition);
      ps.setInt(3, spec.keepVersions() + 1);
      ps.executeUpdate();
    }
  }

  static void stableText(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (String set : STABLE_TEXT) {
        st.execute(set);
      }
    }
  }

  /** Replace: the prior image of every row of the partition; returns how many. */
  private long captureReplace(Connection c, long version, String partition) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH b AS (INSERT INTO keel_sink.row_version (version_id, op, images)"
                + " SELECT ?, 'd', array_agg(image) FROM (SELECT t::text AS image, "
                + BATCHES
                + " AS batch FROM "
                + target.qualified
                + " t"
                + statement.partitionRows()
                + ") x GROUP BY batch RETURNING cardinality(images) AS n) SELECT coalesce(sum(n), 0) FROM b")) {
      ps.setLong(1, version);
      if (spec.partitionColumn() != null) {
        ps.setString(2, partition);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * The key of a row of {@code alias} as the text of a text[] of its values, each in its type's own
   * text form ({@code {42}}, {@code {eu,2026-01-01}}).
   */
  String keyText(String alias) {
    return keyText(alias, spec.key());
  }

  /** The same for the key columns {@code key}: how every record of a key is written and matched. */
  static String keyText(String alias, List<String> key) {
    return "ARRAY["
        + key.stream()
            .map(k -> alias + "." + Identifiers.quote(k) + "::text")
            .collect(Collectors.joining(", "))
        + "]::text";
  }

  /**
   * {@code t.k = CAST(r.key::text[][i] AS type) AND …}: a target row {@code t} whose key is {@code
   * r.key} ({@link #keyText}).
   */
  String keyMatch(String t, String r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < spec.key().size(); i++) {
      String k = spec.key().get(i);
      String type =
          columns.stream()
              .filter(col -> col.name().equals(k))
              .findFirst()
              .orElseThrow()
              .type()
              .sql();
      if (i > 0) {
        sb.append(" AND ");
      }
      sb.append(t)
          .append('.')
          .append(Identifiers.quote(k))
          .append(" = CAST((")
          .append(r)
          .append(".key::text[])[")
          .append(i + 1)
          .append("] AS ")
          .append(type)
          .append(')');
    }
    return sb.toString();
  }

  /** Rows per row_version row. */
  static final int BATCH = 1000;

  /** The batch of a row among rows without a position of their own. */
  static final String BATCHES = "row_number() OVER () / " + BATCH;

  private static java.util.stream.Collector<CharSequence, ?, String> joining() {
    return Collectors.joining(", ");
  }
}
