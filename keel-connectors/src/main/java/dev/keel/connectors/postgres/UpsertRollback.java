package dev.keel.connectors.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

/**
 * An upsert's rollback: for each key a newer version touched, the oldest record of it among them
 * says what the key held after the run (its prior image, or nothing); the rollback records the
 * current row of each such key (or its key alone, if absent) as the prior image it overwrites. The
 * records are read from keel_sink.row_version and, since sink V6, from the target's images table
 * ({@link RowImages}), in one form.
 */
final class UpsertRollback implements ModeRollback {
  private final PostgresSinkSpec spec;
  private final TargetTable target;
  private final LoadVersions versions;
  private final Connection c;

  UpsertRollback(PostgresSinkSpec spec, TargetTable target, LoadVersions versions, Connection c) {
    this.spec = spec;
    this.target = target;
    this.versions = versions;
    this.c = c;
  }

  @Override
  public Done undo(long[] newer, long own) throws SQLException {
    String in = ModeRollback.versionIn(newer);
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
                .collect(Collectors.joining(", "))
            + "]::text";
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE keel_restore ON COMMIT DROP AS SELECT DISTINCT ON (key) key, op, image FROM ("
              + "SELECT v.version_id, v.chunk, v.op, k AS key, NULL::text AS image"
              + " FROM keel_sink.row_version v, unnest(v.keys) k WHERE v.op = 'i' AND"
              + in
              + " UNION ALL SELECT v.version_id, v.chunk, 'i', ARRAY[k::text]::text, NULL::text"
              + " FROM keel_sink.row_version v,"
              + " generate_series(v.keys[1]::bigint, v.keys[2]::bigint) k WHERE v.op = 'r' AND"
              + in
              + " UNION ALL SELECT v.version_id, v.chunk, v.op, "
              + keyOfImage
              + ", i FROM keel_sink.row_version v, unnest(v.images) i WHERE v.op = 'u' AND"
              + in
              + (versions.images == null
                  ? ""
                  : " UNION ALL " + versions.images.restoreRows(c, newer, spec.key()))
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
                + ModeRollback.batched(
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
}
