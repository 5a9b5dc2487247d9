package dev.keel.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.Failures;
import dev.keel.testkit.TcpProxy;
import dev.keel.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The fault-injecting proxy itself: what each fault looks like to PgJDBC, and that it is transient.
 */
class TcpProxyTest {

  private static Connection connect(TcpProxy proxy) throws SQLException {
    return DriverManager.getConnection(
        proxy.jdbcUrl(TestDatabase.url()) + "&connectTimeout=2&socketTimeout=10");
  }

  private static long one(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void a_proxy_that_is_down_refuses_connections_and_accepts_them_again_when_up() throws Exception {
    try (TcpProxy proxy = TcpProxy.forJdbcUrl(TestDatabase.url())) {
      try (Connection c = connect(proxy)) {
        assertThat(one(c, "select 1")).isEqualTo(1);
      }
      proxy.down();
      assertThatThrownBy(() -> connect(proxy))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).startsWith("08");
                assertThat(Failures.isTransient(e)).isTrue();
              });
      proxy.up();
      try (Connection c = connect(proxy)) {
        assertThat(one(c, "select 2")).isEqualTo(2);
      }
    }
  }

  @Test
  void cutting_live_connections_is_seen_as_a_transient_connection_failure() throws Exception {
    try (TcpProxy proxy = TcpProxy.forJdbcUrl(TestDatabase.url());
        Connection c = connect(proxy)) {
      assertThat(one(c, "select 1")).isEqualTo(1);
      proxy.cutAll();
      assertThatThrownBy(() -> one(c, "select 1"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> assertThat(Failures.isTransient(e)).as(e.toString()).isTrue());
    }
  }

  @Test
  void a_cut_on_a_pattern_after_forwarding_lets_the_server_commit_what_the_client_never_hears()
      throws Exception {
    TestDatabase.exec("DROP TABLE IF EXISTS proxy_probe", "CREATE TABLE proxy_probe (v int)");
    try (TcpProxy proxy = TcpProxy.forJdbcUrl(TestDatabase.url());
        Connection c = connect(proxy)) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.executeUpdate("INSERT INTO proxy_probe VALUES (1)");
      }
      proxy.cutOnClientBytes(TcpProxy.When.AFTER_FORWARDING, "COMMIT");
      assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
      assertThat(proxy.armed()).isFalse();
    }
    assertThat(TestDatabase.count("select count(*) from proxy_probe"))
        .as("committed, in doubt for the client")
        .isEqualTo(1);
  }

  @Test
  void a_cut_after_some_bytes_stops_a_copy_half_way() throws Exception {
    TestDatabase.exec("DROP TABLE IF EXISTS proxy_copy", "CREATE TABLE proxy_copy (v text)");
    try (TcpProxy proxy = TcpProxy.forJdbcUrl(TestDatabase.url())) {
      Connection c = connect(proxy); // broken by the cut: closing it would throw
      var copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
      proxy.cutAfterClientBytes(200_000);
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < 50_000; i++) {
        rows.append("row ").append(i).append('\n');
      }
      assertThatThrownBy(
              () ->
                  copy.copyIn(
                      "COPY proxy_copy FROM STDIN", new java.io.StringReader(rows.toString())))
          .satisfies(e -> assertThat(Failures.isTransient(e)).as(e.toString()).isTrue());
      assertThat(proxy.cuts()).isEqualTo(1);
    }
    assertThat(TestDatabase.count("select count(*) from proxy_copy")).isZero();
  }
}
