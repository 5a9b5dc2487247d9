package dev.keel.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "sql",
    description = "Run one SQL statement on the embedded (or given) database and print the result.")
final class SqlCommand implements Callable<Integer> {
  static final int MAX_ROWS = 1000;
  static final int MAX_WIDTH = 60;

  @Parameters(index = "0", paramLabel = "QUERY")
  String query;

  @Mixin DbOptions db;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() {
    PrintWriter out = cmd.commandLine().getOut();
    try (DbOptions.Opened opened = db.open(1);
        Connection c = opened.store().db().dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.setMaxRows(MAX_ROWS);
      if (st.execute(query)) {
        try (ResultSet rs = st.getResultSet()) {
          print(out, rs);
        }
      } else {
        out.println(st.getUpdateCount() + " rows affected");
      }
      return ExitCodes.OK;
    } catch (SQLException e) {
      cmd.commandLine().getErr().println("keel sql: " + e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
  }

  static void print(PrintWriter out, ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    int[] width = new int[n];
    String[] header = new String[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
      width[i] = header[i].length();
    }
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        String v = rs.getString(i + 1);
        v = v == null ? "" : v.replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ");
        row[i] = v.length() > MAX_WIDTH ? v.substring(0, MAX_WIDTH - 1) + "…" : v;
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    line(out, header, width);
    StringBuilder sep = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sep.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
    }
    out.println(sep);
    for (String[] row : rows) {
      line(out, row, width);
    }
    out.printf(
        "(%d row%s%s)%n",
        rows.size(),
        rows.size() == 1 ? "" : "s",
        rows.size() == MAX_ROWS ? ", cut at " + MAX_ROWS : "");
  }

  private static void line(PrintWriter out, String[] values, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : " | ").append(String.format("%-" + width[i] + "s", values[i]));
    }
    out.println(b.toString().stripTrailing());
  }
}
