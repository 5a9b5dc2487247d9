package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testkit.ReplicatedDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication harness and the metadata pool behind its multi-host URL: what a synchronous
 * standby acknowledged survives the primary's crash, and the same pool writes to the promoted
 * standby without being reopened.
 */
class ReplicationFailoverTest {

  @Test
  void the_pool_follows_a_promoted_synchronous_standby_and_keeps_every_acknowledged_commit(
      @TempDir Path dir) throws Exception {
    try (ReplicatedDatabase pg =
            ReplicatedDatabase.start(dir, ReplicatedDatabase.Replication.SYNCHRONOUS);
        Database db = new Database(pg.url(), null, null, 2, "replicated")) {
      db.withConnection("creating", c -> exec(c, "CREATE TABLE acked (id int PRIMARY KEY)"));
      for (int i = 1; i <= 50; i++) {
        int id = i;
        db.withConnection("inserting", c -> exec(c, "INSERT INTO acked VALUES (" + id + ")"));
      }
      // The standby is read-only: a write sent there directly is refused as a failover would be.
      try (Connection standby = DriverManager.getConnection(pg.standbyUrl());
          Statement st = standby.createStatement()) {
        assertThat(count(st)).isEqualTo(50);
      }

      pg.killPrimary();
      pg.promoteStandby();

      // The same pool, not reopened: its broken connections are evicted, new ones find the
      // promoted standby through the multi-host URL.
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () ->
                  db.withConnection(
                      "inserting after the failover",
                      c -> exec(c, "INSERT INTO acked VALUES (51)")));
      long rows =
          db.withConnection(
              "counting",
              c -> {
                try (Statement st = c.createStatement()) {
                  return count(st);
                }
              });
      assertThat(rows).isEqualTo(51);
    }
  }

  private static boolean exec(Connection c, String sql) throws java.sql.SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
      return true;
    }
  }

  private static long count(Statement st) throws java.sql.SQLException {
    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM acked")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
