package dev.keel.server.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Query results as JSON-ready maps, keyed by column label; timestamps as ISO-8601 instants. */
final class Rows {
  private Rows() {}

  static List<Map<String, Object>> list(Connection c, String sql, Object... params)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            Object v = rs.getObject(i);
            row.put(
                md.getColumnLabel(i),
                v instanceof Timestamp ts
                    ? ts.toInstant().toString()
                    : v instanceof java.sql.Array a ? a.getArray() : v);
          }
          out.add(row);
        }
        return out;
      }
    }
  }
}
