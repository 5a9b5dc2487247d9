package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.AlertChecks;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The freshness SLA of a time-partitioned pipeline: two nodes' checks at set instants on one
 * database; the alert goes through the outbox once when the due window is not loaded within the
 * SLA, and resolves once when it is.
 */
class WindowSlaTest {
  MetadataStore store;
  final List<PipelineCatalog.Current> pipelines = new ArrayList<>();

  @BeforeEach
  void start() {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
  }

  @AfterEach
  void stop() {
    store.close();
  }

  IncidentChecks node() {
    return new IncidentChecks(store, () -> pipelines, AlertChecks.DEFAULT, Clock.systemUTC());
  }

  List<String> outbox() {
    return store
        .db()
        .withConnection(
            "reading the outbox",
            c -> {
              List<String> out = new ArrayList<>();
              try (var rs =
                  c.createStatement()
                      .executeQuery(
                          "SELECT action || ' ' || dedup_key || ' ' || summary FROM keel.alert_outbox"
                              + " WHERE kind = 'window_late' ORDER BY id")) {
                while (rs.next()) {
                  out.add(rs.getString(1));
                }
              }
              return out;
            });
  }

  @Test
  void a_window_not_loaded_within_its_sla_alerts_once_and_resolves_once() {
    // The pipeline is stored now; its checks run two days later, so its deadlines count.
    Instant day = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.DAYS);
    LocalDate start = LocalDate.ofInstant(day, ZoneOffset.UTC).minusDays(5);
    PipelineSpec spec =
        new SpecReader()
            .parse(
                """
                name: fresh
                schedule: "0 * * * *"
                partitions:
                  daily: { start: %s, sla: 3h }
                  values: [eu, us]
                source:
                  csv: { path: "data/${partition}.csv", header: true }
                columns:
                  id: bigint
                sink:
                  postgres: { table: fresh, mode: append }
                """
                    .formatted(start),
                Path.of("/pipelines/fresh.yaml"));
    long version =
        store.versions().save(spec.name(), spec.hash(), spec.text(), spec.file().toString());
    pipelines.add(new PipelineCatalog.Current(version, spec));
    String yesterday = LocalDate.ofInstant(day, ZoneOffset.UTC).minusDays(1).toString();

    // Every window before yesterday is loaded.
    var windows = spec.partitions().windows();
    List<String> before = new ArrayList<>();
    for (var w :
        windows.between(
            windows.first(), windows.parse(yesterday).map(windows::previous).orElseThrow(), 100)) {
      before.addAll(spec.partitions().cells(w));
    }
    long earlier =
        store
            .runs()
            .create("fresh", version, "backfill", day.minusSeconds(1), before, 1)
            .orElseThrow();
    TestDatabase.exec("UPDATE keel.task SET state = 'succeeded' WHERE run_id = " + earlier);

    // 02:00: yesterday closed 2 h ago, within its SLA.
    node().windows(day.plus(Duration.ofHours(2)));
    assertThat(outbox()).isEmpty();
    // 03:30: past the SLA; two nodes look, twice.
    for (int i = 0; i < 2; i++) {
      node().windows(day.plus(Duration.ofMinutes(210)));
      node().windows(day.plus(Duration.ofMinutes(211)));
    }
    assertThat(outbox()).hasSize(1);
    assertThat(outbox().get(0))
        .startsWith("trigger keel:window_late:fresh")
        .contains("window " + yesterday, "not loaded");

    // One of the two cells loaded: still late.
    long run =
        store
            .runs()
            .create(
                "fresh",
                version,
                "schedule",
                day.minus(Duration.ofDays(1)),
                spec.partitions().cells(spec.partitions().windows().parse(yesterday).orElseThrow()),
                1)
            .orElseThrow();
    TestDatabase.exec(
        "UPDATE keel.task SET state = 'succeeded' WHERE run_id = "
            + run
            + " AND partition LIKE '%/eu'");
    node().windows(day.plus(Duration.ofMinutes(220)));
    assertThat(outbox()).hasSize(1);

    TestDatabase.exec("UPDATE keel.task SET state = 'succeeded' WHERE run_id = " + run);
    for (int i = 0; i < 2; i++) {
      node().windows(day.plus(Duration.ofMinutes(230)));
      node().windows(day.plus(Duration.ofMinutes(231)));
    }
    assertThat(outbox()).hasSize(2);
    assertThat(outbox().get(1)).startsWith("resolve keel:window_late:fresh");
    assertThat(store.windows().states())
        .extracting(Windows.State::newestLoaded, Windows.State::newestClosed)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(yesterday, yesterday));
  }
}
