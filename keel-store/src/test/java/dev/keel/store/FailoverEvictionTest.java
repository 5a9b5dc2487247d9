package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.runtime.FailureCause;
import dev.keel.runtime.Failures;
import dev.keel.testkit.TestDatabase;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A pooled connection whose server turned read-only (as a demoted primary does) is dropped, so the
 * pool's next connection is a new one, which a multi-host URL sends to the new primary.
 */
class FailoverEvictionTest {

  @Test
  void a_connection_refused_as_read_only_is_evicted_and_classified_as_a_failover() {
    TestDatabase.exec("DROP TABLE IF EXISTS failover_probe");
    try (Database db = new Database(TestDatabase.url(), null, null, 1, "failover-test")) {
      int first = db.withConnection("reading the pid", FailoverEvictionTest::backendPid);
      // Same pool of one: the same backend comes back while nothing went wrong.
      assertThat(db.withConnection("reading the pid", FailoverEvictionTest::backendPid))
          .isEqualTo(first);
      assertThatThrownBy(
              () ->
                  db.withConnection(
                      "writing on a read-only server",
                      c -> {
                        try (Statement st = c.createStatement()) {
                          // What a standby (or a demoted primary) answers every write with.
                          st.execute("SET default_transaction_read_only = on");
                          return st.execute("CREATE TABLE failover_probe (id int)");
                        }
                      }))
          .isInstanceOf(StoreException.class)
          .satisfies(
              e -> {
                assertThat(Failures.isFailover(e)).isTrue();
                assertThat(Failures.isTransient(e)).isTrue();
                assertThat(Failures.causeOf(e)).isEqualTo(FailureCause.FAILOVER);
              });
      int after = db.withConnection("reading the pid", FailoverEvictionTest::backendPid);
      assertThat(after)
          .as("the read-only connection was dropped from the pool")
          .isNotEqualTo(first);
      String setting =
          db.withConnection(
              "reading the setting",
              c -> {
                try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SHOW default_transaction_read_only")) {
                  rs.next();
                  return rs.getString(1);
                }
              });
      assertThat(setting).isEqualTo("off");
    }
  }

  private static int backendPid(java.sql.Connection c) throws java.sql.SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
