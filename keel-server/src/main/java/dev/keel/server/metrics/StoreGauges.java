package dev.keel.server.metrics;

import com.zaxxer.hikari.HikariDataSource;
import dev.keel.store.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges read from the metadata database, the same for every node that serves them: tasks by
 * pipeline and state ({@code keel_tasks}), seconds since each pipeline's last successful run
 * ({@code keel_run_freshness_seconds}), seconds since the end of each time-partitioned pipeline's
 * newest loaded window ({@code keel_window_lag_seconds}, as the nodes' freshness check last saw
 * it), records behind each stream partition ({@code keel_source_lag_records}), nodes alive ({@code
 * keel_nodes_alive}) and alerts waiting in the outbox ({@code keel_alerts_pending}). Refreshed by
 * {@link #refresh()} right before a scrape, so a scrape shows the database as it is then. Also
 * binds HikariCP's pool metrics ({@code hikaricp_connections_*}).
 */
public final class StoreGauges {
  private static final Logger log = LoggerFactory.getLogger(StoreGauges.class);

  /** A node that has not heartbeated for this long is not alive (as {@code keel status} says). */
  public static final long NODE_DEAD_AFTER_MS = 15_000;

  private static final String TASKS =
      """
      SELECT p.pipeline, s.state, count(t.id)
      FROM (SELECT DISTINCT pipeline FROM keel.task) p
      CROSS JOIN (VALUES ('queued'), ('running'), ('succeeded'), ('failed')) s (state)
      LEFT JOIN keel.task t ON t.pipeline = p.pipeline AND t.state = s.state
      GROUP BY 1, 2""";
  private static final String FRESHNESS =
      """
      SELECT pipeline, extract(epoch FROM now() - max(finished_at))::float8
      FROM keel.run WHERE state = 'succeeded' GROUP BY pipeline""";
  private static final String WINDOW_LAG =
      """
      SELECT pipeline, extract(epoch FROM now() - loaded_end)::float8
      FROM keel.window_state WHERE loaded_end IS NOT NULL""";
  private static final String NODES_ALIVE =
      """
      SELECT count(*) FROM keel.node WHERE state <> 'stopped' AND heartbeat_at > now() - ? * interval '1 millisecond'""";
  private static final String SOURCE_LAG = "SELECT pipeline, partition, lag FROM keel.source_lag";
  private static final String BUFFER_BACKLOG =
      """
      SELECT pipeline, sum(records), coalesce(extract(epoch FROM now() - min(oldest_at))::float8, 0)
      FROM keel.buffer_backlog GROUP BY pipeline""";
  private static final String ALERTS_PENDING =
      "SELECT count(*) FROM keel.alert_outbox WHERE delivered_at IS NULL";

  private final Database db;
  private final MultiGauge tasks;
  private final MultiGauge freshness;
  private final MultiGauge windowLag;
  private final MultiGauge sourceLag;
  private final MultiGauge bufferBacklog;
  private final MultiGauge bufferBacklogAge;
  private final AtomicLong nodesAlive = new AtomicLong();
  private final AtomicLong alertsPending = new AtomicLong();

  public StoreGauges(Database db, MeterRegistry registry) {
    this.db = db;
    this.tasks =
        MultiGauge.builder("keel.tasks")
            .description("Tasks by pipeline and state")
            .register(registry);
    this.freshness =
        MultiGauge.builder("keel.run.freshness")
            .baseUnit("seconds")
            .description("Seconds since the pipeline's last successful run finished")
            .register(registry);
    this.windowLag =
        MultiGauge.builder("keel.window.lag")
            .baseUnit("seconds")
            .description("Seconds since the end of the pipeline's newest loaded time window")
            .register(registry);
    this.sourceLag =
        MultiGauge.builder("keel.source.lag")
            .baseUnit("records")
            .description(
                "Records behind the end of a stream source (Kafka) per pipeline partition, when its"
                    + " last task ended")
            .register(registry);
    this.bufferBacklog =
        MultiGauge.builder("keel.buffer.backlog")
            .baseUnit("records")
            .description("Records in a buffered pipeline's buffer not loaded into its sink yet")
            .register(registry);
    this.bufferBacklogAge =
        MultiGauge.builder("keel.buffer.backlog.age")
            .baseUnit("seconds")
            .description("How long the oldest record not loaded yet has been in the buffer")
            .register(registry);
    Gauge.builder("keel.nodes.alive", nodesAlive, AtomicLong::get)
        .description("Nodes with a recent heartbeat")
        .register(registry);
    Gauge.builder("keel.alerts.pending", alertsPending, AtomicLong::get)
        .description("Alerts not yet delivered")
        .register(registry);
    if (db.dataSource() instanceof HikariDataSource hikari
        && hikari.getMetricRegistry() == null
        && hikari.getMetricsTrackerFactory() == null) {
      hikari.setMetricRegistry(registry);
    }
    refresh();
  }

  /**
   * Reads the gauges' values; on a database error keeps the last values and logs (a scrape must not
   * fail).
   */
  public void refresh() {
    try {
      db.withConnection(
          "reading metrics",
          c -> {
            List<MultiGauge.Row<?>> taskRows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(TASKS);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                taskRows.add(
                    MultiGauge.Row.of(
                        Tags.of("pipeline", rs.getString(1), "state", rs.getString(2)),
                        rs.getLong(3)));
              }
            }
            tasks.register(taskRows, true);
            List<MultiGauge.Row<?>> freshRows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(FRESHNESS);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                freshRows.add(
                    MultiGauge.Row.of(Tags.of("pipeline", rs.getString(1)), rs.getDouble(2)));
              }
            }
            freshness.register(freshRows, true);
            List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(WINDOW_LAG);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                lagRows.add(
                    MultiGauge.Row.of(Tags.of("pipeline", rs.getString(1)), rs.getDouble(2)));
              }
            }
            windowLag.register(lagRows, true);
            List<MultiGauge.Row<?>> sourceLagRows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SOURCE_LAG);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                sourceLagRows.add(
                    MultiGauge.Row.of(
                        Tags.of("pipeline", rs.getString(1), "partition", rs.getString(2)),
                        rs.getLong(3)));
              }
            }
            sourceLag.register(sourceLagRows, true);
            List<MultiGauge.Row<?>> backlogRows = new ArrayList<>();
            List<MultiGauge.Row<?>> backlogAgeRows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(BUFFER_BACKLOG);
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                Tags pipeline = Tags.of("pipeline", rs.getString(1));
                backlogRows.add(MultiGauge.Row.of(pipeline, rs.getLong(2)));
                backlogAgeRows.add(MultiGauge.Row.of(pipeline, rs.getDouble(3)));
              }
            }
            bufferBacklog.register(backlogRows, true);
            bufferBacklogAge.register(backlogAgeRows, true);
            try (PreparedStatement ps = c.prepareStatement(NODES_ALIVE)) {
              ps.setLong(1, NODE_DEAD_AFTER_MS);
              try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                nodesAlive.set(rs.getLong(1));
              }
            }
            try (PreparedStatement ps = c.prepareStatement(ALERTS_PENDING);
                ResultSet rs = ps.executeQuery()) {
              rs.next();
              alertsPending.set(rs.getLong(1));
            }
            return null;
          });
    } catch (RuntimeException e) {
      log.warn("metrics from the metadata database are stale: {}", e.getMessage());
    }
  }
}
