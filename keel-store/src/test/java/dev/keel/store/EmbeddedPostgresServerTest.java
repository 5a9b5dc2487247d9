package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel's embedded PostgreSQL: durable settings, data kept between starts, one server shared by the
 * processes of a KEEL_HOME.
 */
class EmbeddedPostgresServerTest {
  @TempDir Path home;

  private static String setting(Connection c, String name) throws Exception {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("show " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void runs_with_fsync_and_synchronous_commit_on_and_keeps_data_between_starts() throws Exception {
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(home, Duration.ofSeconds(5));
        Connection c = DriverManager.getConnection(pg.jdbcUrl())) {
      assertThat(setting(c, "fsync")).isEqualTo("on");
      assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
      assertThat(setting(c, "full_page_writes")).isEqualTo("on");
      c.createStatement().execute("create table kept (v int); insert into kept values (42)");
    }
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(home, Duration.ofSeconds(5));
        Connection c = DriverManager.getConnection(pg.jdbcUrl());
        ResultSet rs = c.createStatement().executeQuery("select v from kept")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
  }

  @Test
  void a_second_process_on_the_same_home_shares_the_server_and_the_last_one_out_stops_it()
      throws Exception {
    long postmaster;
    try (EmbeddedPostgresServer first =
        EmbeddedPostgresServer.start(home, Duration.ofSeconds(30))) {
      postmaster = first.pid();
      // File locks are per process; a second JVM is what a second `keel status` would be.
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              SecondProcess.class.getName(),
              home.toString());
      pb.redirectErrorStream(true);
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as(output).isZero();
      assertThat(output).contains("port " + first.port() + " pid " + first.pid());
      assertThat(ProcessHandle.of(postmaster))
          .as("the second process left; the first still uses the server")
          .isPresent();
      try (Connection c = DriverManager.getConnection(first.jdbcUrl())) {
        assertThat(setting(c, "fsync")).isEqualTo("on");
      }
    }
    assertThat(ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive))
        .as("stopped by the last user")
        .isEmpty();
    assertThat(home.resolve("server.properties")).doesNotExist();
  }

  /**
   * Opens the home another process started, prints what it connected to, exits 0; 3 when refused.
   */
  public static final class SecondProcess {
    public static void main(String[] args) {
      try (EmbeddedPostgresServer pg =
          EmbeddedPostgresServer.start(Path.of(args[0]), Duration.ofSeconds(30))) {
        System.out.println("port " + pg.port() + " pid " + pg.pid());
      } catch (KeelException e) {
        System.out.println(e.getMessage());
        System.exit(3);
      }
      System.exit(0);
    }
  }

  @Test
  void a_data_folder_of_another_user_is_refused_before_anything_starts() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "only root can give a folder away");
    java.nio.file.Path data = java.nio.file.Files.createDirectories(home.resolve("pgdata"));
    java.nio.file.Files.setOwner(
        data, data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    assertThatThrownBy(() -> EmbeddedPostgresServer.start(home, Duration.ofSeconds(5)))
        .isInstanceOf(EmbeddedServerRefused.class)
        .hasMessageContaining("belongs to user nobody, not to root");
    assertThat(data.resolve("postmaster.pid")).doesNotExist();
  }

  @Test
  void invalid_home_is_reported_with_what_to_do() {
    assertThatThrownBy(
            () ->
                EmbeddedPostgresServer.start(
                    Path.of("/proc/keel-cannot-write"), Duration.ofSeconds(1)))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("--db");
  }
}
