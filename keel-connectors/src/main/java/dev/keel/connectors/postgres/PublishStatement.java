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

  /**
   * The version an append records the hash of each row it adds under, and an upsert what undoes
   * each row it writes; null: none.
   */
  private final Long version;

  /** The chunk of a chunked load an upsert records its rows under. */
  private final int chunk;

  /** Where an upsert records: the target's images, or null (keel_sink.row_version). */
  private final RowImages images;

  /** The table of {@link #images} it records into ({@link RowImages#into}). */
  private final String imagesTable;

  /**
   * Whether the target's trigger records the prior rows of the rows the upsert updates ({@link
   * RowImages#startRecordingPriorRows}): the upsert then records only the keys it inserted.
   */
  private final boolean priorByTrigger;

  PublishStatement(PostgresSinkSpec spec, List<Column> columns, TargetTable target) {
    this(spec, columns, target, null, 0, null, null, false);
  }

  private PublishStatement(
      PostgresSinkSpec spec,
      List<Column> columns,
      TargetTable target,
      Long version,
      int chunk,
      RowImages images,
      String imagesTable,
      boolean priorByTrigger) {
    this.spec = spec;
    this.columns = columns;
    this.target = target;
    this.version = version;
    this.chunk = chunk;
    this.images = images;
    this.imagesTable = imagesTable;
    this.priorByTrigger = priorByTrigger;
    this.columnList =
        columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
  }

  /**
   * The same statements, that also record in keel_sink.row_version, under {@code version}
   * (LoadVersions), what undoes them: append, a hash of each row they add; upsert, the key of each
   * row they insert and the prior image of each row they update (chunk {@code chunk} of the load).
   * A row the insert writes and its record commit or roll back together, savepoints included. An
   * upsert records in {@code images}, in its table {@code imagesTable} ({@link RowImages#into}),
   * when that is given (null: as text in keel_sink.row_version); {@code priorByTrigger}: the
   * target's trigger records the prior rows there ({@link RowImages#startRecordingPriorRows}), the
   * upsert only the keys it inserts.
   */
  PublishStatement recording(
      long version, int chunk, RowImages images, String imagesTable, boolean priorByTrigger) {
    boolean typed = imagesTable != null;
    return new PublishStatement(
        spec,
        columns,
        target,
        version,
        chunk,
        typed ? images : null,
        imagesTable,
        typed && priorByTrigger);
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
          recordedUpsert(
              "INSERT INTO "
                  + target.qualified
                  + " AS t ("
                  + columnList
                  + ") "
                  + select
                  + " ON CONFLICT ("
                  + TargetTable.quoted(spec.key())
                  + ") "
                  + upsertAction());
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

  /**
   * The upsert, recording what undoes it in the same statement: the rows it wrote (RETURNING their
   * key: inserted or changed, not the ones left as they were) joined with the target as it was
   * before the statement (every part of a statement sees the same snapshot, so {@code o} is the
   * prior version of an updated row, and no row for an inserted one). One join over the rows
   * written only, instead of a pass over the whole stage joined with the target before the write.
   * Into the target's images table when it has one ({@link RowImages#record}, a tuple per row),
   * else into keel_sink.row_version as text in batches. When the target's trigger records the prior
   * rows from the UPDATE's transition table ({@link RowImages#startRecordingPriorRows}), there is
   * no join: the statement records the keys of the rows it inserted only.
   */
  private String recordedUpsert(String upsert) {
    if (version == null) {
      return upsert;
    }
    List<String> key = spec.key();
    String returning =
        key.stream().map(k -> "t." + Identifiers.quote(k)).collect(Collectors.joining(", "));
    String on =
        key.stream()
            .map(k -> "o." + Identifiers.quote(k) + " = w." + Identifiers.quote(k))
            .collect(Collectors.joining(" AND "));
    String keyText = LoadVersions.keyText("w", key);
    if (images != null && priorByTrigger) {
      // An inserted row is the only version of its tuple, so its xmax is 0; the new version of an
      // updated one carries the lock ON CONFLICT took (PostgreSQL 18 says it as "old IS NULL").
      return "WITH w AS ("
          + upsert
          + " RETURNING "
          + returning
          + ", t.xmax = 0 AS _keel_inserted) "
          + images.recordInserted(imagesTable, version, chunk, key)
          + " FROM w WHERE w._keel_inserted";
    }
    if (images != null) {
      return "WITH w AS ("
          + upsert
          + " RETURNING "
          + returning
          + ") "
          + images.record(imagesTable, version, chunk, key)
          + " FROM w LEFT JOIN "
          + target.qualified
          + " o ON "
          + on;
    }
    return "WITH w AS ("
        + upsert
        + " RETURNING "
        + returning
        + "), c AS (SELECT CASE WHEN o.ctid IS NULL THEN 'i' ELSE 'u' END AS op,"
        + " CASE WHEN o.ctid IS NULL THEN "
        + keyText
        + " ELSE o::text END AS item, "
        + LoadVersions.BATCHES
        + " AS batch FROM w LEFT JOIN "
        + target.qualified
        + " o ON "
        + on
        + ") INSERT INTO keel_sink.row_version (version_id, chunk, op, keys, images) SELECT "
        + version
        + ", "
        + chunk
        + ", op, CASE WHEN op = 'i' THEN array_agg(item) END, CASE WHEN op = 'u' THEN array_agg(item) END"
        + " FROM c GROUP BY batch, op";
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
