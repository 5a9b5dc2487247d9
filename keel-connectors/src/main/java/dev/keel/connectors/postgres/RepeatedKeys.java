package dev.keel.connectors.postgres;

import dev.keel.runtime.RejectedLimitException;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.Identifiers;
import dev.keel.spec.SinkSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * The unique rule at publish: a staged row whose key was seen at an earlier position is deleted
 * from the stage and rejected (the first by source position wins). An upsert batch must not repeat
 * a key (PostgreSQL refuses it, or, when an earlier copy leaves the row unchanged, silently applies
 * the later one): always look, so the rule is the same whatever the target holds.
 */
final class RepeatedKeys {
  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final boolean applies;
  private final boolean laterWins;

  /**
   * @param unique the pipeline's unique rule, which applies in every mode (upsert: always)
   */
  RepeatedKeys(PostgresSinkSpec spec, List<Column> columns, boolean unique) {
    this(spec, columns, unique, false);
  }

  /**
   * @param laterWins the last record of a key by source position stays and the earlier ones are
   *     dropped without a reject: they are older versions of the same row, which upserting them in
   *     order would have overwritten anyway (a buffered pipeline's load stage)
   */
  RepeatedKeys(PostgresSinkSpec spec, List<Column> columns, boolean unique, boolean laterWins) {
    this.spec = spec;
    this.columns = columns;
    this.applies = (unique || spec.mode() == SinkSpec.Mode.UPSERT) && !spec.key().isEmpty();
    this.laterWins = laterWins;
  }

  /** Whether a batch's keys are checked at all (the unique rule, or an upsert). */
  boolean applies() {
    return applies;
  }

  /**
   * Rejects the staged rows that repeat a key; returns how many. {@code seen} (may be null) is what
   * the session remembered of the keys it staged: when it is certain none repeats, the stage is not
   * looked at.
   */
  long reject(
      Connection conn, TaskRef task, Rejects rejects, LongPredicate stillWithinLimit, SeenKeys seen)
      throws SQLException {
    if (!applies || (seen != null && seen.noneRepeated()) || !any(conn)) {
      return 0;
    }
    if (laterWins) {
      dropEarlier(conn);
      return 0;
    }
    String key = TargetTable.quoted(spec.key());
    String keyText =
        spec.key().stream()
            .map(k -> "coalesce(s." + Identifiers.quote(k) + "::text, 'NULL')")
            .collect(Collectors.joining(" || ', ' || "));
    String sql =
        "DELETE FROM keel_stage s USING (SELECT _keel_pos, first_value(_keel_pos) OVER w AS first,"
            + " row_number() OVER w AS n FROM keel_stage WINDOW w AS (PARTITION BY "
            + key
            + " ORDER BY _keel_pos)) d"
            + " WHERE s._keel_pos = d._keel_pos AND d.n > 1"
            + " RETURNING s._keel_pos, d.first, "
            + keyText
            + ", "
            + StageTable.rowText(columns);
    long count = 0;
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        count++;
        rejects.reject(
            rs.getLong(1),
            rs.getString(4),
            "duplicate key ("
                + String.join(", ", spec.key())
                + ")=("
                + rs.getString(3)
                + "): the record at position "
                + rs.getLong(2)
                + " has the same key and is kept (unique rule: the first by source position wins)");
      }
    }
    if (count > 0 && !stillWithinLimit.test(count)) {
      throw new RejectedLimitException(count, count + " records of " + task + " repeat a key");
    }
    return count;
  }

  private void dropEarlier(Connection conn) throws SQLException {
    String key = TargetTable.quoted(spec.key());
    try (Statement st = conn.createStatement()) {
      st.executeUpdate(
          "DELETE FROM keel_stage s USING (SELECT _keel_pos, row_number() OVER (PARTITION BY "
              + key
              + " ORDER BY _keel_pos DESC) AS n FROM keel_stage) d"
              + " WHERE s._keel_pos = d._keel_pos AND d.n > 1");
    }
  }

  /**
   * A cheap look first: most batches repeat no key, and the delete's window sorts the whole stage.
   * Fewer distinct keys than rows (NULL keys count as one, as the delete groups them): {@code
   * count(DISTINCT)} sorts the keys in memory, 3 to 5 times faster than {@code GROUP BY key HAVING
   * count(*) > 1}, whose hash table of every key spills to disk (300,000 keys: 85–160 ms against
   * 460–700 ms in psql, docs/performance.md).
   */
  private boolean any(Connection conn) throws SQLException {
    String sql;
    if (spec.key().size() == 1) {
      String k = Identifiers.quote(spec.key().get(0));
      sql =
          "SELECT count(DISTINCT "
              + k
              + ") < count("
              + k
              + ") OR count(*) - count("
              + k
              + ") > 1 FROM keel_stage";
    } else {
      sql =
          "SELECT count(DISTINCT ("
              + TargetTable.quoted(spec.key())
              + ")) < count(*) FROM keel_stage";
    }
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() && rs.getBoolean(1);
    }
  }
}
