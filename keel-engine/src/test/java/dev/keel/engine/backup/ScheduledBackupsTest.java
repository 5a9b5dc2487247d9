package dev.keel.engine.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.store.BackupClaims;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes' backup loops on one real PostgreSQL: each slot's backup is taken by exactly one of
 * them, into its own timestamped folder.
 */
class ScheduledBackupsTest {
  static MetadataStore store;

  @TempDir Path dir;

  @BeforeAll
  static void open() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 6, "backups-test"));
  }

  @AfterAll
  static void close() {
    store.close();
  }

  @BeforeEach
  void aPipeline() {
    TestDatabase.exec("TRUNCATE keel.config_backup");
    String text = "name: sales\n";
    store
        .versions()
        .save(
            "sales",
            ConfigBackup.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            text,
            "/etc/keel/sales.yaml");
  }

  @Test
  void two_claimers_asking_at_once_get_a_slot_once() throws Exception {
    BackupClaims claims = store.backupClaims();
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> won = new ArrayList<>();
      for (String node : List.of("a", "b")) {
        won.add(
            pool.submit(
                () -> {
                  int wins = 0;
                  for (int i = 0; i < 20; i++) {
                    together.await();
                    Optional<BackupClaims.Claim> c =
                        claims.claim(node, Duration.ofHours(1), "dest", Duration.ofMinutes(10));
                    wins += c.isPresent() ? 1 : 0;
                  }
                  return wins;
                }));
      }
      assertThat(won.get(0).get() + won.get(1).get()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(TestDatabase.count("SELECT count(*) FROM keel.config_backup")).isEqualTo(1);
  }

  @Test
  void two_nodes_take_each_backup_once_into_a_new_timestamped_folder() throws Exception {
    Path dest = dir.resolve("backups");
    ScheduledBackups a =
        new ScheduledBackups(
            store,
            "node-a",
            dest.toString(),
            BackupPlace.at(dest.toString()),
            Duration.ofSeconds(1));
    ScheduledBackups b =
        new ScheduledBackups(
            store,
            "node-b",
            dest.toString(),
            BackupPlace.at(dest.toString()),
            Duration.ofSeconds(1));
    a.start();
    b.start();
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  TestDatabase.count(
                          "SELECT count(*) FROM keel.config_backup WHERE finished_at IS NOT NULL")
                      >= 3);
    } finally {
      a.close();
      b.close();
    }
    // A tick may have claimed a slot just before close: wait for nothing unfinished to remain.
    List<String> finished =
        TestDatabase.rows(
            "SELECT to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24-MI-SS\"Z\"')"
                + " FROM keel.config_backup WHERE finished_at IS NOT NULL AND error IS NULL"
                + " ORDER BY slot");
    assertThat(
            TestDatabase.count("SELECT count(*) FROM keel.config_backup WHERE error IS NOT NULL"))
        .as("no backup failed (a second writer would find the manifest and fail)")
        .isZero();
    List<String> folders;
    try (Stream<Path> s = Files.list(dest)) {
      folders =
          s.filter(f -> Files.exists(f.resolve("manifest.json")))
              .map(f -> f.getFileName().toString())
              .sorted()
              .toList();
    }
    assertThat(folders).containsAll(finished);
    assertThat(finished).hasSizeGreaterThanOrEqualTo(3);
    for (String f : finished) {
      assertThat(
              new ConfigBackup(store).verify(BackupPlace.at(dest.resolve(f).toString())).versions())
          .hasSize(1);
    }
  }
}
