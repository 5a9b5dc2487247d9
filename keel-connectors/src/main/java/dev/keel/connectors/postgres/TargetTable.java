package dev.keel.connectors.postgres;

import dev.keel.KeelException;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.Identifiers;
import dev.keel.spec.SinkSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The target table: created from the declared columns when missing (with the key as primary key),
 * or checked when it exists: every declared column must be there with a type that holds it, no
 * other column may be NOT NULL without a default, and an upsert needs a unique index on the key.
 */
final class TargetTable {
  private static final String COLUMNS =
      """
      SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""";
  private static final String UNIQUE_INDEXES =
      """
      SELECT array_agg(a.attname::text ORDER BY a.attname)
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
      WHERE n.nspname = ? AND c.relname = ? AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      GROUP BY i.indexrelid""";

  /**
   * The table's own constraints that are checked at commit (DEFERRABLE INITIALLY DEFERRED, e.g.
   * every foreign key Django creates), as a list for SET CONSTRAINTS. A foreign key of the table to
   * itself stays deferred: its rows may reference rows later in the same publish, or rows that
   * replace deletes and inserts again, which only the check at commit sees together.
   */
  private static final String DEFERRED =
      """
      SELECT string_agg(quote_ident(n.nspname) || '.' || quote_ident(con.conname), ', ' ORDER BY con.conname)
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ? AND c.relname = ? AND con.condeferred AND NOT (con.contype = 'f' AND con.confrelid = con.conrelid)""";

  /**
   * The table's foreign keys to itself that are checked when each statement ends: name, the
   * referencing columns and the referenced ones, in key order.
   */
  private static final String SELF_REFERENCES =
      """
      SELECT con.conname::text,
        array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
        array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i)
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ? AND c.relname = ? AND con.contype = 'f' AND con.confrelid = con.conrelid AND NOT con.condeferred""";

  /** A foreign key of the table to itself: {@code columns} reference {@code referenced}. */
  record SelfReference(String name, List<String> columns, List<String> referenced) {}

  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  final String qualified;

  TargetTable(PostgresSinkSpec spec, List<Column> columns) {
    this.spec = spec;
    this.columns = columns;
    this.qualified = Identifiers.quote(spec.schema()) + "." + Identifiers.quote(spec.table());
  }

  String name() {
    return spec.schema() + "." + spec.table();
  }

  void createOrCheck(Connection c) throws SQLException {
    Map<String, String[]> existing = existingColumns(c);
    if (existing.isEmpty()) {
      create(c);
      existing = existingColumns(c);
    }
    check(c, existing);
  }

  /**
   * The table's constraints checked at commit unless made immediate, as a list for SET CONSTRAINTS;
   * null when none. Asked in each publish transaction, so a constraint added or dropped while nodes
   * run is seen at once.
   */
  String deferredConstraints(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(DEFERRED)) {
      ps.setString(1, spec.schema());
      ps.setString(2, spec.table());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * The table's foreign keys to itself checked at the end of each statement (not deferred) whose
   * columns the pipeline declares: a staged row may reference a row later in the same batch.
   */
  List<SelfReference> selfReferences(Connection c) throws SQLException {
    Set<String> declared = columns.stream().map(Column::name).collect(Collectors.toSet());
    List<SelfReference> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(SELF_REFERENCES)) {
      ps.setString(1, spec.schema());
      ps.setString(2, spec.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          List<String> from = List.of((String[]) rs.getArray(2).getArray());
          List<String> to = List.of((String[]) rs.getArray(3).getArray());
          if (declared.containsAll(from) && declared.containsAll(to)) {
            out.add(new SelfReference(rs.getString(1), from, to));
          }
        }
      }
    }
    return out;
  }

  private void create(Connection c) throws SQLException {
    String cols =
        columns.stream()
            .map(col -> Identifiers.quote(col.name()) + " " + col.type().sql())
            .collect(Collectors.joining(", "));
    String pk = spec.key().isEmpty() ? "" : ", PRIMARY KEY (" + quoted(spec.key()) + ")";
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(spec.schema()));
      st.execute("CREATE TABLE IF NOT EXISTS " + qualified + " (" + cols + pk + ")");
    } catch (SQLException e) {
      // Two processes creating the same table at once: the loser sees a unique violation on the
      // catalog; the table exists now, which is all we wanted.
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  private void check(Connection c, Map<String, String[]> existing) throws SQLException {
    List<String> problems = new ArrayList<>();
    Set<String> declared = new HashSet<>();
    for (Column col : columns) {
      declared.add(col.name());
      String[] have = existing.get(col.name());
      if (have == null) {
        problems.add(
            "column "
                + col.name()
                + " is missing (the pipeline declares "
                + col.type().sql()
                + ")");
      } else if (!holds(have[0], col.type())) {
        problems.add(
            "column "
                + col.name()
                + " is "
                + have[0]
                + " but the pipeline declares "
                + col.type().sql());
      }
    }
    existing.forEach(
        (name, have) -> {
          if (!declared.contains(name) && "true".equals(have[1]) && !"true".equals(have[2])) {
            problems.add(
                "column "
                    + name
                    + " is NOT NULL without a default, and the pipeline does not provide it");
          }
        });
    if (spec.mode() == SinkSpec.Mode.UPSERT && !hasUniqueIndexOn(c, spec.key())) {
      problems.add(
          "there is no unique index or primary key on ("
              + String.join(", ", spec.key())
              + "), which upsert needs; add one, e.g. ALTER TABLE "
              + qualified
              + " ADD PRIMARY KEY ("
              + quoted(spec.key())
              + ")");
    }
    if (!problems.isEmpty()) {
      throw new KeelException(
          "target table "
              + name()
              + " does not fit the pipeline: "
              + String.join("; ", problems)
              + ". Alter the table, or change columns/sink in the pipeline file.");
    }
  }

  /**
   * Whether a column of PostgreSQL type {@code have} holds every value of {@code want} unchanged.
   */
  static boolean holds(String have, ColumnType want) {
    String w = canonical(want);
    if (have.equals(w)) {
      return true;
    }
    return switch (want.kind()) {
      case SMALLINT -> have.equals("integer") || have.equals("bigint") || have.equals("numeric");
      case INTEGER -> have.equals("bigint") || have.equals("numeric");
      case BIGINT -> have.equals("numeric");
      case NUMERIC -> have.equals("numeric");
      case REAL -> have.equals("double precision");
      case VARCHAR ->
          have.equals("text")
              || (have.startsWith("character varying(")
                  && Integer.parseInt(have.substring(18, have.length() - 1)) >= want.precision());
      case TEXT -> have.equals("character varying");
      default -> false;
    };
  }

  private static String canonical(ColumnType t) {
    return switch (t.kind()) {
      case TIMESTAMP -> "timestamp without time zone";
      case TIMESTAMPTZ -> "timestamp with time zone";
      case VARCHAR -> "character varying(" + t.precision() + ")";
      default -> t.sql();
    };
  }

  private Map<String, String[]> existingColumns(Connection c) throws SQLException {
    Map<String, String[]> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
      ps.setString(1, spec.schema());
      ps.setString(2, spec.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(
              rs.getString(1),
              new String[] {
                rs.getString(2),
                Boolean.toString(rs.getBoolean(3)),
                Boolean.toString(rs.getBoolean(4))
              });
        }
      }
    }
    return out;
  }

  private boolean hasUniqueIndexOn(Connection c, List<String> key) throws SQLException {
    Set<String> want = new HashSet<>(key);
    try (PreparedStatement ps = c.prepareStatement(UNIQUE_INDEXES)) {
      ps.setString(1, spec.schema());
      ps.setString(2, spec.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String[] cols = (String[]) rs.getArray(1).getArray();
          if (new HashSet<>(List.of(cols)).equals(want)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Whether rows may be COPYed straight into the table ({@link DirectCopy}): it has no rules (which
   * INSERT applies and COPY does not); the columns of {@code notNull} (the upsert key) are NOT NULL
   * (a unique index lets NULL keys repeat, which the unique rule refuses); and, with {@code
   * mustBeEmpty}, it holds no row now (so the upsert can only insert).
   */
  boolean directCopyable(Connection c, List<String> notNull, boolean mustBeEmpty)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT NOT c.relhasrules AND coalesce(bool_and(a.attnotnull), true)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND a.attname = ANY (?)
            WHERE n.nspname = ? AND c.relname = ? GROUP BY c.relhasrules""")) {
      ps.setArray(1, c.createArrayOf("text", notNull.toArray()));
      ps.setString(2, spec.schema());
      ps.setString(3, spec.table());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return false;
        }
      }
    }
    if (!mustBeEmpty) {
      return true;
    }
    try (PreparedStatement ps =
            c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM " + qualified + ")");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  static String quoted(List<String> names) {
    return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
  }
}
