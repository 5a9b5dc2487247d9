package dev.keel.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.Cli;
import dev.keel.testkit.S3Server;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel export and keel import: a configuration (two versions of a pipeline, a paused pipeline, API
 * tokens) survives a round trip through a folder and through S3 into an empty metadata database; a
 * changed file is refused by name with nothing imported; importing twice changes nothing.
 */
class ConfigBackupTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private static final String VERSIONS =
      "SELECT pipeline || '|' || hash || '|' || md5(spec) || '|' || coalesce(source_file, '')"
          + " FROM keel.pipeline_version ORDER BY pipeline, hash";
  private static final String PAUSES =
      "SELECT pipeline || '|' || coalesce(paused_by, '') FROM keel.pipeline_pause ORDER BY 1";
  private static final String TOKENS =
      "SELECT hash || '|' || role || '|' || coalesce(note, '') FROM keel.api_token ORDER BY 1";

  @TempDir static Path dir;

  /** Set up once: the tests only read the source database (and each exports to its own place). */
  @BeforeAll
  static void aConfiguration() throws IOException {
    TestDatabase.reset();
    Files.writeString(dir.resolve("in.csv"), "id\n1\n2\n");
    Path p = dir.resolve("p.yaml");
    String yaml =
        """
        name: sales
        source: { csv: { path: "in.csv" } }
        columns: { id: bigint }
        sink: { postgres: { key: [id], table: sales } }
        """;
    Files.writeString(p, yaml);
    assertThat(Cli.runPipeline(p).exit()).isZero();
    Files.writeString(p, yaml + "# second version\n");
    assertThat(Cli.runPipeline(p).exit()).isZero();
    Cli pause = Cli.run("pause", "sales", "--db", TestDatabase.url());
    assertThat(pause.exit()).as(pause.toString()).isZero();
    for (String role : List.of("viewer", "operator")) {
      Cli token =
          Cli.run("token", "create", "--role", role, "--note", "ci", "--db", TestDatabase.url());
      assertThat(token.exit()).as(token.toString()).isZero();
    }
    assertThat(rows(TestDatabase.url(), VERSIONS)).hasSize(2);
  }

  @Test
  void a_folder_backup_restores_into_an_empty_database_and_a_second_import_changes_nothing() {
    Path backup = dir.resolve("folder-backup");
    Cli export = Cli.run("export", backup.toString(), "--db", TestDatabase.url());
    assertThat(export.exit()).as(export.toString()).isZero();
    assertThat(export.out()).contains("exported 2 pipeline versions, 1 paused pipelines, 2 API");
    assertThat(backup.resolve("manifest.json")).exists();

    String target = emptyDatabase();
    Cli first = Cli.run("import", backup.toString(), "--db", target);
    assertThat(first.exit()).as(first.toString()).isZero();
    assertSameConfiguration(target);

    Cli second = Cli.run("import", backup.toString(), "--db", target);
    assertThat(second.exit()).as(second.toString()).isZero();
    assertThat(second.out()).contains("imported 0 pipeline versions, 0 paused pipelines, 0 API");
    assertSameConfiguration(target);

    Cli again = Cli.run("export", backup.toString(), "--db", TestDatabase.url());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("already holds a backup");
  }

  @Test
  void an_s3_backup_restores_into_an_empty_database() {
    S3Server s3 = S3Server.shared().useInThisJvm();
    s3.createBucket("config-backups");
    Cli export = Cli.run("export", "s3://config-backups/keel/one", "--db", TestDatabase.url());
    assertThat(export.exit()).as(export.toString()).isZero();
    assertThat(s3.keys("config-backups", "keel/one/"))
        .contains("keel/one/manifest.json", "keel/one/pipelines.json", "keel/one/tokens.json");

    String target = emptyDatabase();
    Cli restore = Cli.run("import", "s3://config-backups/keel/one", "--db", target);
    assertThat(restore.exit()).as(restore.toString()).isZero();
    assertSameConfiguration(target);
  }

  @Test
  void a_changed_file_is_refused_by_name_and_nothing_is_imported() throws IOException {
    Path backup = dir.resolve("tampered-backup");
    assertThat(Cli.run("export", backup.toString(), "--db", TestDatabase.url()).exit()).isZero();
    Path spec;
    try (var files = Files.walk(backup.resolve("pipelines"))) {
      spec = files.filter(f -> f.toString().endsWith(".yaml")).findFirst().orElseThrow();
    }
    Files.writeString(spec, Files.readString(spec).replace("table: sales", "table: elsewhere"));

    String target = emptyDatabase();
    Cli refused = Cli.run("import", backup.toString(), "--db", target);

    assertThat(refused.exit()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.err())
        .contains(backup.relativize(spec).toString().replace('\\', '/'))
        .contains("does not match the manifest");
    assertThat(rows(target, VERSIONS)).isEmpty();
    assertThat(rows(target, TOKENS)).isEmpty();

    Cli notABackup = Cli.run("import", dir.resolve("pipelines-only").toString(), "--db", target);
    assertThat(notABackup.exit()).isEqualTo(2);
    assertThat(notABackup.err()).contains("no manifest.json");
  }

  private static void assertSameConfiguration(String target) {
    assertThat(rows(target, VERSIONS)).isEqualTo(rows(TestDatabase.url(), VERSIONS)).hasSize(2);
    assertThat(rows(target, PAUSES)).isEqualTo(rows(TestDatabase.url(), PAUSES)).hasSize(1);
    assertThat(rows(target, TOKENS)).isEqualTo(rows(TestDatabase.url(), TOKENS)).hasSize(2);
  }

  /** A new, empty database on the test server (keel creates its schema on first use). */
  private static String emptyDatabase() {
    String name = "restore_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    TestDatabase.exec("DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name);
    String url = TestDatabase.url();
    int slash = url.lastIndexOf("/postgres");
    return url.substring(0, slash) + "/" + name + url.substring(slash + "/postgres".length());
  }

  private static List<String> rows(String url, String sql) {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      List<String> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      if ("3F000".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())) {
        return List.of(); // no keel schema yet: nothing imported
      }
      throw new IllegalStateException(e);
    }
  }
}
