package dev.keel.connectors.postgres;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Reads PostgreSQL's refusal of one staged row out of a failed COPY: a data exception (SQLSTATE
 * class 22, such as 22003 out of range or 22008 a date out of range) whose context names the line,
 * {@code COPY keel_stage, line 2, column r: "1e-46"}.
 */
final class RefusedRow {
  private static final Pattern LINE = Pattern.compile("COPY " + StageTable.NAME + ", line (\\d+)");

  private RefusedRow() {}

  /**
   * The staging line PostgreSQL refused (from 1), or 0 when {@code e} is not one row's data
   * exception.
   */
  static long stagingLine(SQLException e) {
    if (e.getSQLState() == null
        || !e.getSQLState().startsWith("22")
        || !(e instanceof PSQLException p)) {
      return 0;
    }
    ServerErrorMessage m = p.getServerErrorMessage();
    String where = m == null ? null : m.getWhere();
    Matcher matcher = where == null ? null : LINE.matcher(where);
    return matcher != null && matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }

  /** The dead letter's reason: PostgreSQL's message and the column, without the staging line. */
  static String reason(SQLException e) {
    ServerErrorMessage m = ((PSQLException) e).getServerErrorMessage();
    String where = m.getWhere();
    int column = where.indexOf(", column ");
    String col = column < 0 ? "" : " (" + where.substring(column + 2).replaceFirst(":.*", "") + ")";
    return "PostgreSQL refused the value at COPY"
        + col
        + ": "
        + m.getMessage()
        + " [SQLSTATE "
        + e.getSQLState()
        + "]";
  }
}
