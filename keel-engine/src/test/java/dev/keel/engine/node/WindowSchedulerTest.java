package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.store.Windows;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler of time-partitioned pipelines on a real PostgreSQL, driven tick by tick with set
 * instants (no waiting for real hours or days).
 */
class WindowSchedulerTest {
  static MetadataStore store;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 8, "window-test"));
  }

  @AfterAll
  static void stop() throws Exception {
    store.close();
  }

  @BeforeEach
  void clean() {
    store
        .db()
        .withConnection(
            "cleaning",
            c ->
                c.createStatement()
                    .executeUpdate(
                        "TRUNCATE keel.run, keel.window_skip, keel.window_state CASCADE"));
  }

  static PipelineCatalog.Current pipeline(String name, String cron, String partitions) {
    PipelineSpec spec =
        new SpecReader()
            .parse(
                """
        name: %s
        schedule: "%s"
        partitions:
        %s
        source:
          csv: { path: "data/${partition}.csv", header: true }
        columns:
          id: bigint
        sink:
          postgres: { table: %s, mode: append }
        """
                    .formatted(name, cron, partitions.indent(2).stripTrailing(), name),
                Path.of("/pipelines/" + name + ".yaml"));
    long version =
        store.versions().save(spec.name(), spec.hash(), spec.text(), spec.file().toString());
    return new PipelineCatalog.Current(version, spec);
  }

  static Scheduler scheduler(PipelineCatalog.Current p, int windowCatchUp) {
    return new Scheduler(store, () -> List.of(p), Clock.systemUTC(), 1, windowCatchUp);
  }

  /** Each run's tasks' partitions, oldest run first. */
  List<String> runs(String pipeline) {
    return store
        .db()
        .withConnection(
            "reading runs",
            c -> {
              var ps =
                  c.prepareStatement(
                      """
          SELECT string_agg(t.partition, ',' ORDER BY t.partition)
          FROM keel.run r JOIN keel.task t ON t.run_id = r.id
          WHERE r.pipeline = ? GROUP BY r.id, r.logical_time ORDER BY r.logical_time""");
              ps.setString(1, pipeline);
              List<String> out = new ArrayList<>();
              try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                  out.add(rs.getString(1));
                }
              }
              return out;
            });
  }

  List<Instant> logicalTimes(String pipeline) {
    return store
        .db()
        .withConnection(
            "reading runs",
            c -> {
              var ps =
                  c.prepareStatement(
                      "SELECT logical_time FROM keel.run WHERE pipeline = ? ORDER BY logical_time");
              ps.setString(1, pipeline);
              List<Instant> out = new ArrayList<>();
              try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                  out.add(rs.getTimestamp(1).toInstant());
                }
              }
              return out;
            });
  }

  @Test
  void each_tick_creates_the_run_of_the_window_that_closed_after_its_lag() {
    PipelineCatalog.Current p =
        pipeline("daily_lag", "0 * * * *", "daily: { start: 2026-11-24, lag: 2h }");
    Scheduler s = scheduler(p, 10);
    assertThat(s.tick(Instant.parse("2026-11-25T01:30:00Z"))).as("24th not closed yet").isEmpty();
    assertThat(s.tick(Instant.parse("2026-11-25T02:10:00Z"))).hasSize(1);
    assertThat(s.tick(Instant.parse("2026-11-25T03:00:00Z"))).as("nothing new").isEmpty();
    assertThat(s.tick(Instant.parse("2026-11-26T01:59:00Z"))).isEmpty();
    assertThat(s.tick(Instant.parse("2026-11-26T02:00:00Z"))).hasSize(1);
    assertThat(runs("daily_lag")).containsExactly("2026-11-24", "2026-11-25");
    assertThat(logicalTimes("daily_lag"))
        .containsExactly(
            Instant.parse("2026-11-24T00:00:00Z"), Instant.parse("2026-11-25T00:00:00Z"));
  }

  @Test
  void a_cluster_down_for_three_windows_catches_up_exactly_those() {
    PipelineCatalog.Current p = pipeline("daily_down", "5 0 * * *", "daily: { start: 2026-11-24 }");
    scheduler(p, 10).tick(Instant.parse("2026-11-25T00:05:00Z"));
    // Down from the 25th to the 29th: a new node resumes from the database.
    scheduler(p, 10).tick(Instant.parse("2026-11-29T00:07:00Z"));
    assertThat(runs("daily_down"))
        .containsExactly("2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28");
    assertThat(store.windows().skipped()).isEmpty();
  }

  @Test
  void a_longer_outage_creates_only_the_newest_catch_up_windows_and_records_the_rest_as_skipped() {
    PipelineCatalog.Current p = pipeline("daily_long", "5 0 * * *", "daily: { start: 2026-11-24 }");
    scheduler(p, 2).tick(Instant.parse("2026-11-25T00:05:00Z"));
    Scheduler after = scheduler(p, 2);
    after.tick(Instant.parse("2026-11-29T00:07:00Z"));
    after.tick(Instant.parse("2026-11-29T00:08:00Z"));
    assertThat(runs("daily_long")).containsExactly("2026-11-24", "2026-11-27", "2026-11-28");
    assertThat(store.windows().skipped())
        .containsExactly(
            new Windows.Skip(
                "daily_long",
                "2026-11-25",
                "2026-11-26",
                2,
                store.windows().skipped().get(0).skippedAt()));
  }

  @Test
  void two_nodes_on_one_tick_create_one_run_per_window() throws Exception {
    PipelineCatalog.Current p =
        pipeline("daily_two", "0 * * * *", "daily: { start: 2026-11-20 }\nvalues: [eu, us]");
    List<Scheduler> nodes = List.of(scheduler(p, 10), scheduler(p, 10));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (String at : List.of("2026-11-23T00:00:10Z", "2026-11-24T00:00:20Z")) {
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<List<Long>>> created = new ArrayList<>();
        for (Scheduler s : nodes) {
          created.add(
              pool.submit(
                  () -> {
                    together.await();
                    return s.tick(Instant.parse(at));
                  }));
        }
        for (Future<List<Long>> f : created) {
          f.get();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(runs("daily_two"))
        .containsExactly(
            "2026-11-20/eu,2026-11-20/us",
            "2026-11-21/eu,2026-11-21/us",
            "2026-11-22/eu,2026-11-22/us",
            "2026-11-23/eu,2026-11-23/us");
  }

  @Test
  void paris_days_of_23_and_25_hours_are_one_window_each() {
    PipelineCatalog.Current p =
        pipeline(
            "paris_daily", "0 * * * *", "daily: { start: 2026-03-28, timezone: Europe/Paris }");
    Scheduler s = scheduler(p, 10);
    for (Instant t = Instant.parse("2026-03-28T00:00:00Z");
        t.isBefore(Instant.parse("2026-03-31T00:00:00Z"));
        t = t.plus(Duration.ofHours(1))) {
      s.tick(t);
    }
    assertThat(runs("paris_daily")).containsExactly("2026-03-28", "2026-03-29", "2026-03-30");
    List<Instant> starts = logicalTimes("paris_daily");
    assertThat(starts.get(0)).isEqualTo(Instant.parse("2026-03-27T23:00:00Z"));
    assertThat(Duration.between(starts.get(0), starts.get(1))).hasHours(24);
    assertThat(Duration.between(starts.get(1), starts.get(2))).as("the spring day").hasHours(23);
    // The autumn day lasts 25 hours: it closes at 23:00 UTC, so the 22:00 tick does not create it.
    PipelineCatalog.Current autumn =
        pipeline(
            "paris_autumn", "0 * * * *", "daily: { start: 2026-10-25, timezone: Europe/Paris }");
    Scheduler a = scheduler(autumn, 10);
    assertThat(a.tick(Instant.parse("2026-10-25T22:00:00Z")))
        .as("25-hour day still open")
        .isEmpty();
    assertThat(a.tick(Instant.parse("2026-10-25T23:00:00Z"))).hasSize(1);
  }

  @Test
  void paris_hourly_windows_number_23_on_the_spring_day_and_25_on_the_autumn_day() {
    PipelineCatalog.Current p =
        pipeline(
            "paris_hourly", "0 * * * *", "hourly: { start: 2026-03-29, timezone: Europe/Paris }");
    Scheduler s = scheduler(p, 10);
    for (Instant t = Instant.parse("2026-03-28T23:00:00Z");
        !t.isAfter(Instant.parse("2026-03-29T22:00:00Z"));
        t = t.plus(Duration.ofHours(1))) {
      s.tick(t);
    }
    assertThat(runs("paris_hourly")).hasSize(23).doesNotContain("2026-03-29T02");
    assertThat(runs("paris_hourly")).first().isEqualTo("2026-03-29T00");
    assertThat(runs("paris_hourly")).last().isEqualTo("2026-03-29T23");

    PipelineCatalog.Current q =
        pipeline(
            "paris_hourly_autumn",
            "0 * * * *",
            "hourly: { start: 2026-10-25, timezone: Europe/Paris }");
    Scheduler a = scheduler(q, 10);
    for (Instant t = Instant.parse("2026-10-24T22:00:00Z");
        !t.isAfter(Instant.parse("2026-10-25T23:00:00Z"));
        t = t.plus(Duration.ofHours(1))) {
      a.tick(t);
    }
    assertThat(runs("paris_hourly_autumn"))
        .hasSize(25)
        .containsSubsequence(
            "2026-10-25T01", "2026-10-25T02+02:00", "2026-10-25T02+01:00", "2026-10-25T03");
  }
}
