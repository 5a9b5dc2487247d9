package dev.keel.spec;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A declared column type, a small subset of PostgreSQL's. Values of each kind are held in Java as:
 * SMALLINT/INTEGER/BIGINT {@code Long}, NUMERIC {@code BigDecimal}, REAL/DOUBLE {@code Double},
 * BOOLEAN {@code Boolean}, TEXT/VARCHAR {@code String}, DATE {@code LocalDate}, TIMESTAMP {@code
 * LocalDateTime}, TIMESTAMPTZ {@code OffsetDateTime} (normalised to UTC).
 */
public record ColumnType(Kind kind, int precision, int scale) {

  public enum Kind {
    SMALLINT,
    INTEGER,
    BIGINT,
    NUMERIC,
    REAL,
    DOUBLE,
    BOOLEAN,
    TEXT,
    VARCHAR,
    DATE,
    TIMESTAMP,
    TIMESTAMPTZ
  }

  private static final Pattern NUMERIC =
      Pattern.compile("(numeric|decimal)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");
  private static final Pattern VARCHAR =
      Pattern.compile("(varchar|character varying)\\s*\\(\\s*(\\d+)\\s*\\)");

  public static final String SUPPORTED =
      "smallint, integer, bigint, numeric(p,s), real, double precision, boolean, text, varchar(n), date, timestamp, timestamptz";

  /**
   * Parses a type name as written in a pipeline file; throws IllegalArgumentException when unknown.
   */
  public static ColumnType parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    Matcher m = NUMERIC.matcher(t);
    if (m.matches()) {
      int p = Integer.parseInt(m.group(2));
      int s = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
      if (p < 1 || p > 1000 || s > p) {
        throw new IllegalArgumentException(
            "numeric precision must be 1..1000 and scale at most the precision: " + text);
      }
      return new ColumnType(Kind.NUMERIC, p, s);
    }
    m = VARCHAR.matcher(t);
    if (m.matches()) {
      int n = Integer.parseInt(m.group(2));
      if (n < 1 || n > 10_485_760) {
        throw new IllegalArgumentException("varchar length must be 1..10485760: " + text);
      }
      return new ColumnType(Kind.VARCHAR, n, 0);
    }
    return switch (t) {
      case "smallint", "int2" -> of(Kind.SMALLINT);
      case "integer", "int", "int4" -> of(Kind.INTEGER);
      case "bigint", "int8" -> of(Kind.BIGINT);
      case "numeric", "decimal" -> new ColumnType(Kind.NUMERIC, 0, 0);
      case "real", "float4" -> of(Kind.REAL);
      case "double precision", "double", "float8" -> of(Kind.DOUBLE);
      case "boolean", "bool" -> of(Kind.BOOLEAN);
      case "text", "varchar", "string" -> of(Kind.TEXT);
      case "date" -> of(Kind.DATE);
      case "timestamp", "timestamp without time zone" -> of(Kind.TIMESTAMP);
      case "timestamptz", "timestamp with time zone" -> of(Kind.TIMESTAMPTZ);
      default ->
          throw new IllegalArgumentException(
              "unknown type '"
                  + text
                  + "'; supported: "
                  + SUPPORTED
                  + (t.matches("(numeric|decimal|varchar)\\s*\\(\\s*\\d+\\s*")
                      ? ". Inside { } a comma ends the value: write \"numeric(12,2)\" in quotes"
                      : ""));
    };
  }

  public static ColumnType of(Kind kind) {
    return new ColumnType(kind, 0, 0);
  }

  public boolean isIntegral() {
    return kind == Kind.SMALLINT || kind == Kind.INTEGER || kind == Kind.BIGINT;
  }

  public boolean isText() {
    return kind == Kind.TEXT || kind == Kind.VARCHAR;
  }

  /** The PostgreSQL type this column is created with. */
  public String sql() {
    return switch (kind) {
      case SMALLINT -> "smallint";
      case INTEGER -> "integer";
      case BIGINT -> "bigint";
      case NUMERIC -> precision == 0 ? "numeric" : "numeric(" + precision + "," + scale + ")";
      case REAL -> "real";
      case DOUBLE -> "double precision";
      case BOOLEAN -> "boolean";
      case TEXT -> "text";
      case VARCHAR -> "varchar(" + precision + ")";
      case DATE -> "date";
      case TIMESTAMP -> "timestamp";
      case TIMESTAMPTZ -> "timestamptz";
    };
  }

  @Override
  public String toString() {
    return sql();
  }
}
