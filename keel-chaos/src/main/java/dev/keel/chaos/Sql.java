package dev.keel.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Plain queries on one PostgreSQL, a connection each (the database may restart between two): what
 * the chaos controller and the multi-process tests read the cluster's state with.
 */
public final class Sql {
  private final String url;

  public Sql(String url) {
    this.url = url;
  }

  public String url() {
    return url;
  }

  /** A connection that gives up on a dead server within seconds instead of waiting forever. */
  public Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("connectTimeout", "5");
    p.setProperty("loginTimeout", "5");
    p.setProperty("socketTimeout", "60");
    return DriverManager.getConnection(url, p);
  }

  public long scalar(String sql, Object... params) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Each row's columns as text (null stays null). */
  public List<List<String>> rows(String sql, Object... params) throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      List<List<String>> out = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getString(i));
        }
        out.add(row);
      }
      return out;
    }
  }

  public void execute(String sql) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... params)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < params.length; i++) {
      if (params[i] instanceof Long[] ids) {
        ps.setArray(i + 1, c.createArrayOf("bigint", ids));
      } else if (params[i] instanceof String[] texts) {
        ps.setArray(i + 1, c.createArrayOf("text", texts));
      } else {
        ps.setObject(i + 1, params[i]);
      }
    }
    return ps;
  }
}
