package dev.keel.connectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.JdbcUrls;
import dev.keel.spec.Secret;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The timeouts a JDBC source connects with, and that what the URL says wins. */
class JdbcTimeoutsTest {
  private static Properties propsFor(String url, Duration timeout) {
    JdbcSpec spec =
        new JdbcSpec(Secret.plain(url), null, null, "select 1", 10, ZoneOffset.UTC, timeout);
    Properties props = new Properties();
    JdbcTimeouts.apply(url, spec, props);
    return props;
  }

  @Test
  void postgresql_gets_connect_login_and_socket_timeouts_in_seconds_and_keep_alive() {
    Properties p = propsFor("jdbc:postgresql://db:5432/x", JdbcSpec.DEFAULT_TIMEOUT);
    assertThat(p)
        .containsEntry("connectTimeout", "10")
        .containsEntry("loginTimeout", "10")
        .containsEntry("socketTimeout", "1800")
        .containsEntry("tcpKeepAlive", "true")
        .containsEntry("cancelSignalTimeout", "10");
  }

  @Test
  void a_timeout_shorter_than_the_connect_timeout_bounds_connecting_too() {
    Properties p = propsFor("jdbc:postgresql://db/x", Duration.ofSeconds(2));
    assertThat(p)
        .containsEntry("connectTimeout", "2")
        .containsEntry("loginTimeout", "2")
        .containsEntry("socketTimeout", "2");
  }

  @Test
  void values_written_in_the_url_are_not_overridden() {
    Properties p =
        propsFor(
            "jdbc:postgresql://db/x?sslmode=require&socketTimeout=0&LOGINTIMEOUT=99",
            Duration.ofMinutes(5));
    assertThat(p)
        .doesNotContainKeys("socketTimeout", "loginTimeout")
        .containsEntry("connectTimeout", "10");
  }

  @Test
  void mariadb_and_mysql_get_timeouts_in_milliseconds() {
    assertThat(propsFor("jdbc:mariadb://db/x", Duration.ofMinutes(30)))
        .containsEntry("connectTimeout", "10000")
        .containsEntry("socketTimeout", "1800000")
        .containsEntry("tcpKeepAlive", "true");
    assertThat(propsFor("jdbc:mysql://db/x?connectTimeout=500", Duration.ofMinutes(1)))
        .doesNotContainKey("connectTimeout")
        .containsEntry("socketTimeout", "60000");
  }

  @Test
  void other_drivers_are_left_alone() {
    assertThat(propsFor("jdbc:h2:mem:x", Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void the_server_named_in_messages_has_host_and_port_and_no_credentials() {
    assertThat(JdbcUrls.server("jdbc:postgresql://u:p@127.0.0.1:5433/x?user=a"))
        .isEqualTo("127.0.0.1:5433");
    assertThat(JdbcUrls.server("jdbc:postgresql://h1:5432,h2:5432/x")).isEqualTo("h1:5432,h2:5432");
  }
}
