package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
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
 * Several schedulers (as on several nodes) on one real PostgreSQL, driven tick by tick with set
 * instants.
 */
class SchedulerTest {
  static MetadataStore store;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 8, "scheduler-test"));
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
            "cleaning", c -> c.createStatement().executeUpdate("TRUNCATE keel.run CASCADE"));
  }

  static PipelineCatalog.Current pipeline(String name, String cron) {
    PipelineSpec spec =
        new SpecReader()
            .parse(
                """
        name: %s
        schedule: "%s"
        partitions:
          values: [eu, us]
        source:
          csv: { path: "data/${partition}.csv", header: true }
        columns:
          id: bigint
        sink:
          postgres: { table: %s, mode: append }
        """
                    .formatted(name, cron, name),
                Path.of("/pipelines/" + name + ".yaml"));
    long version =
        store.versions().save(spec.name(), spec.hash(), spec.text(), spec.file().toString());
    return new PipelineCatalog.Current(version, spec);
  }

  static Scheduler scheduler(PipelineCatalog.Current p, int catchUp) {
    return new Scheduler(store, () -> List.of(p), Clock.systemUTC(), catchUp);
  }

  List<List<String>> runs(String pipeline) {
    return store
        .db()
        .withConnection(
            "reading runs",
            c -> {
              var ps =
                  c.prepareStatement(
                      """
          SELECT to_char(logical_time AT TIME ZONE 'UTC', 'HH24:MI'), (SELECT count(*) FROM keel.task t WHERE t.run_id = r.id)::text
          FROM keel.run r WHERE pipeline = ? ORDER BY logical_time""");
              ps.setString(1, pipeline);
              List<List<String>> out = new ArrayList<>();
              try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                  out.add(List.of(rs.getString(1), rs.getString(2)));
                }
              }
              return out;
            });
  }

  @Test
  void three_nodes_seeing_the_same_ticks_at_once_create_one_run_per_tick() throws Exception {
    PipelineCatalog.Current p = pipeline("every_minute", "* * * * *");
    List<Scheduler> nodes = List.of(scheduler(p, 1), scheduler(p, 1), scheduler(p, 1));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (String at :
          List.of(
              "2026-01-01T00:00:30Z",
              "2026-01-01T00:01:00Z",
              "2026-01-01T00:01:40Z",
              "2026-01-01T00:02:05Z")) {
        CyclicBarrier together = new CyclicBarrier(3);
        List<Future<List<Long>>> created = new ArrayList<>();
        for (Scheduler s : nodes) {
          created.add(
              pool.submit(
                  () -> {
                    together.await();
                    return s.tick(Instant.parse(at));
                  }));
        }
        int total = 0;
        for (Future<List<Long>> f : created) {
          total += f.get().size();
        }
        assertThat(total).as("runs created at %s", at).isLessThanOrEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    // The first tick only sets where the pipeline starts; then one run per minute, each with its
    // partitions.
    assertThat(runs("every_minute")).containsExactly(List.of("00:01", "2"), List.of("00:02", "2"));
  }

  @Test
  void after_the_cluster_was_down_only_the_newest_catch_up_ticks_run() {
    PipelineCatalog.Current p = pipeline("catching_up", "* * * * *");
    Scheduler before = scheduler(p, 3);
    before.tick(Instant.parse("2026-01-01T00:00:30Z"));
    before.tick(Instant.parse("2026-01-01T00:01:00Z"));
    // The whole cluster was down from 00:01 to 00:10:30; a node starting now resumes from the
    // database.
    Scheduler after = scheduler(p, 3);
    after.tick(Instant.parse("2026-01-01T00:10:30Z"));
    assertThat(runs("catching_up"))
        .extracting(r -> r.get(0))
        .containsExactly("00:01", "00:08", "00:09", "00:10");
  }

  @Test
  void a_pipeline_without_a_schedule_gets_no_runs() {
    PipelineCatalog.Current p = pipeline("every_minute_too", "* * * * *");
    PipelineSpec unscheduled =
        new SpecReader()
            .parse(p.spec().text().replace("schedule: \"* * * * *\"\n", ""), p.spec().file());
    Scheduler s =
        new Scheduler(
            store,
            () -> List.of(new PipelineCatalog.Current(p.versionId(), unscheduled)),
            Clock.systemUTC(),
            1);
    s.tick(Instant.parse("2026-01-01T00:00:30Z"));
    s.tick(Instant.parse("2026-01-01T00:05:00Z"));
    assertThat(runs("every_minute_too")).isEmpty();
  }
}
