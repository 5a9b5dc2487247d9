package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.runtime.RuntimeEvents;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one database load a daily × region pipeline on a settable wall clock: the days pass
 * in seconds. Each closed day is loaded once into its own cells; after the clock jumps three days
 * (the cluster "down"), exactly those three days are created and loaded. About a minute on two
 * shared cores, hence slow.
 */
@Tag("slow")
class WindowClusterTest {
  @TempDir Path dir;

  final List<MetadataStore> stores = new ArrayList<>();
  final List<ClusterNode> nodes = new ArrayList<>();
  final SettableClock clock = new SettableClock(Instant.parse("2026-11-22T00:30:00Z"));

  /** A wall clock the test moves. */
  static final class SettableClock extends Clock {
    private final AtomicReference<Instant> now;

    SettableClock(Instant start) {
      now = new AtomicReference<>(start);
    }

    void set(Instant t) {
      now.set(t);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  @BeforeEach
  void start() throws IOException {
    TestDatabase.reset();
    Path pipelines = Files.createDirectories(dir.resolve("pipelines"));
    Files.writeString(
        pipelines.resolve("sales.yaml"),
        """
        name: sales
        schedule: "10 * * * *"
        partitions:
          daily: { start: 2026-11-20 }
          values: [eu, us]
        source: { csv: { path: "../data/${window}/${value}.csv" } }
        columns: { id: bigint, day: date, region: text }
        sink: { postgres: { mode: replace, partition_column: [day, region] } }
        """);
    long id = 1;
    for (int d = 20; d <= 30; d++) {
      for (String region : List.of("eu", "us")) {
        String day = "2026-11-" + d;
        Path f = dir.resolve("data/" + day + "/" + region + ".csv");
        Files.createDirectories(f.getParent());
        Files.writeString(
            f,
            "id,day,region\n"
                + (id++)
                + ","
                + day
                + ","
                + region
                + "\n"
                + (id++)
                + ","
                + day
                + ","
                + region
                + "\n");
      }
    }
    for (String name : List.of("node-a", "node-b")) {
      MetadataStore store =
          MetadataStore.open(new Database(TestDatabase.url(), null, null, 6, name));
      MetadataStore coordination =
          MetadataStore.open(new Database(TestDatabase.url(), null, null, 2, name + "-c"));
      stores.add(store);
      stores.add(coordination);
      ClusterNode node =
          new ClusterNode(
              store,
              coordination,
              NodeConfig.builder(name)
                  .pipelines(pipelines)
                  .workers(2)
                  .poll(Duration.ofMillis(200))
                  .scheduleClock(clock)
                  .build(),
              RuntimeEvents.NONE);
      node.start();
      nodes.add(node);
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ClusterNode n : nodes) {
      n.drain();
    }
    stores.forEach(MetadataStore::close);
  }

  static List<String> loadedCells() {
    return TestDatabase.rows(
        "select day || '/' || region || ':' || count(*) from sales group by day, region order by 1");
  }

  static List<String> runs() {
    return TestDatabase.rows(
        "select to_char(logical_time at time zone 'UTC', 'YYYY-MM-DD') || ' ' || state ||"
            + " ' ' || (select count(*) from keel.task t where t.run_id = r.id)"
            + " from keel.run r order by logical_time");
  }

  @Test
  void each_closed_day_is_loaded_once_and_three_missed_days_are_caught_up() {
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> runs().equals(List.of("2026-11-20 succeeded 2", "2026-11-21 succeeded 2")));
    assertThat(loadedCells())
        .containsExactly(
            "2026-11-20/eu:2", "2026-11-20/us:2", "2026-11-21/eu:2", "2026-11-21/us:2");

    // The next day: one more window, loaded once by the two nodes.
    clock.set(Instant.parse("2026-11-23T00:10:00Z"));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> runs().size() == 3 && runs().get(2).equals("2026-11-22 succeeded 2"));

    // Three days later (as if the cluster had been down): exactly the three missed days.
    clock.set(Instant.parse("2026-11-26T00:15:00Z"));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                runs()
                    .equals(
                        List.of(
                            "2026-11-20 succeeded 2",
                            "2026-11-21 succeeded 2",
                            "2026-11-22 succeeded 2",
                            "2026-11-23 succeeded 2",
                            "2026-11-24 succeeded 2",
                            "2026-11-25 succeeded 2")));
    assertThat(loadedCells()).hasSize(12).allMatch(c -> c.endsWith(":2"));
    assertThat(TestDatabase.count("select count(*) from keel.task where attempt > 1")).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestDatabase.rows("select newest_loaded, newest_closed from keel.window_state")
                    .equals(List.of("2026-11-25|2026-11-25")));
  }
}
