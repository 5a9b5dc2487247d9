package dev.keel.connectors.postgres;

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
 * How staged rows move into the target, by mode: upsert (INSERT … ON CONFLICT on the key, updating
 * only rows whose values changed), append, or replace (the partition's old rows deleted first, in
 * the same transaction). The insert can be limited to a range of source positions, so that a
 * publish can be split ({@link ViolatorBisection}).
 */
final class PublishStatement {
  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final TargetTable target;
  private final String columnList;

  /** The version an append records the hash of each row it adds under; null: none. */
  private final Long version;

  PublishStatement(PostgresSinkSpec spec, List<Column> columns, TargetTable target) {
    this(spec, columns, target, null);
  }

  private PublishStatement(
      PostgresSinkSpec spec, List<Column> columns, TargetTable target, Long version) {
    this.spec = spec;
    this.columns = columns;
    this.target = target;
    this.version = version;
    this.columnList =
        columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
  }

  /**
   * The same statements, that in append mode also record in keel_sink.row_version a hash of each
   * row they add, under {@code version} (LoadVersions): a row the insert adds and its record commit
   * or roll back together, savepoints included.
   */
  PublishStatement recording(long version) {
    return new PublishStatement(spec, columns, target, version);
  }

  /**
   * What comes before the insert in the publish transaction: in replace mode, deleting the
   * partition's rows (or the whole table); and the target's deferred constraints made immediate, so
   * that a row breaking one fails its insert (and can be set aside) instead of the commit.
   */
  void beforeInsert(Connection conn, String partition) throws SQLException {
    if (spec.mode() == SinkSpec.Mode.REPLACE) {
      try (PreparedStatement ps =
          conn.prepareStatement("DELETE FROM " + target.qualified + partitionRows())) {
        bindPartition(ps, partition);
        ps.executeUpdate();
      }
    }
    String deferred = target.deferredConstraints(conn);
    if (deferred != null) {
      try (Statement st = conn.createStatement()) {
        st.execute("SET CONSTRAINTS " + deferred + " IMMEDIATE");
      }
    }
  }

  /**
   * How many rows of the partition a replace would delete (the whole table for a single partition).
   */
  long replacedRows(Connection conn, String partition) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT count(*) FROM " + target.qualified + partitionRows())) {
      bindPartition(ps, partition);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * The WHERE clause of the rows a replace swaps: {@code partition_column = ?}, with two columns
   * one per part of the partition's name ({@code 2026-11-28/eu}), or none (every row).
   */
  String partitionRows() {
    if (spec.partitionColumn() == null) {
      return "";
    }
    return " WHERE "
        + spec.partitionColumns().stream()
            .map(
                name ->
                    Identifiers.quote(name)
                        + " = CAST(? AS "
                        + columns.stream()
                            .filter(c -> c.name().equals(name))
                            .findFirst()
                            .orElseThrow()
                            .type()
                            .sql()
                        + ")")
            .collect(Collectors.joining(" AND "));
  }

  private void bindPartition(PreparedStatement ps, String partition) throws SQLException {
    List<String> names = spec.partitionColumns();
    if (names.size() == 1) {
      ps.setString(1, partition);
    } else if (names.size() == 2) {
      int slash = partition.indexOf('/');
      ps.setString(1, slash < 0 ? partition : partition.substring(0, slash));
      ps.setString(2, slash < 0 ? null : partition.substring(slash + 1));
    }
  }

  /** The insert of every staged row. */
  String insertAll() {
    return insertAll(StageTable.NAME);
  }

  /** The insert of every row of {@code table} (the stage, or a table of its rows set aside). */
  String insertAll(String table) {
    return insert(table, "");
  }

  /**
   * The insert of the staged rows at positions from the first parameter (inclusive) to the second
   * (exclusive).
   */
  String insertRange() {
    return insertRange(StageTable.NAME);
  }

  /** The same, from {@code table}. */
  String insertRange(String table) {
    return insert(
        table, " WHERE " + StageTable.POSITION + " >= ? AND " + StageTable.POSITION + " < ?");
  }

  private String insert(String table, String where) {
    String select = "SELECT " + columnList + " FROM " + table + where;
    return switch (spec.mode()) {
      case UPSERT ->
          "INSERT INTO "
              + target.qualified
              + " AS t ("
              + columnList
              + ") "
              + select
              + " ON CONFLICT ("
              + TargetTable.quoted(spec.key())
              + ") "
              + upsertAction();
      case APPEND, REPLACE ->
          recorded(
              "INSERT INTO "
                  + target.qualified
                  + " AS t ("
                  + columnList
                  + ") "
                  + select
                  + " ORDER BY "
                  + StageTable.POSITION);
    };
  }

  private String recorded(String insert) {
    if (version == null || spec.mode() != SinkSpec.Mode.APPEND) {
      return insert;
    }
    return "WITH added AS ("
        + insert
        + " RETURNING md5(t::text)::uuid AS hash) INSERT INTO keel_sink.row_version (version_id, op, hashes)"
        + " SELECT "
        + version
        + ", 'a', array_agg(hash) FROM (SELECT hash, "
        + LoadVersions.BATCHES
        + " AS batch FROM added) x GROUP BY batch";
  }

  /** Updates only rows whose values changed, so re-publishing the same data writes nothing. */
  private String upsertAction() {
    List<String> others =
        columns.stream().map(Column::name).filter(n -> !spec.key().contains(n)).toList();
    if (others.isEmpty()) {
      return "DO NOTHING";
    }
    String set =
        others.stream()
            .map(n -> Identifiers.quote(n) + " = EXCLUDED." + Identifiers.quote(n))
            .collect(Collectors.joining(", "));
    String mine =
        others.stream().map(n -> "t." + Identifiers.quote(n)).collect(Collectors.joining(", "));
    String theirs =
        others.stream()
            .map(n -> "EXCLUDED." + Identifiers.quote(n))
            .collect(Collectors.joining(", "));
    return "DO UPDATE SET " + set + " WHERE (" + mine + ") IS DISTINCT FROM (" + theirs + ")";
  }
}
