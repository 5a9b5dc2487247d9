package dev.keel.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Whether keel chaos may work on a database: it answers, is a primary, and lets this user create
 * keel's schemas and the {@code chaos_orders} table. Asked before anything is started or written.
 */
public final class WritableDatabase {
  private static final String PRIVILEGES =
      """
      SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',
        has_database_privilege(current_database(), 'CREATE'), has_schema_privilege('public', 'CREATE'),
        current_user""";

  private WritableDatabase() {}

  /** Why keel chaos cannot write to the database of {@code url}, or null when it can. */
  public static String problem(String url) {
    try (Connection c = new Sql(url).connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(PRIVILEGES)) {
      rs.next();
      String user = rs.getString(5);
      if (rs.getBoolean(1) || rs.getBoolean(2)) {
        return "the database is read-only (a standby, or default_transaction_read_only);"
            + " point --db at the primary";
      }
      if (!rs.getBoolean(3)) {
        return "user "
            + user
            + " may not create schemas in this database; grant CREATE on it, or use a database of its own";
      }
      if (!rs.getBoolean(4)) {
        return "user " + user + " may not create tables in schema public; grant CREATE on it";
      }
      return null;
    } catch (SQLException e) {
      return "cannot connect: " + e.getMessage();
    }
  }
}
