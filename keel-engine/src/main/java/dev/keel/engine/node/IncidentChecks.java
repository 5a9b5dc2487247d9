package dev.keel.engine.node;

import com.cronutils.model.time.ExecutionTime;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.spec.AlertChecks;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.TimeWindow;
import dev.keel.spec.TimeWindows;
import dev.keel.store.AlertOutbox;
import dev.keel.store.MetadataStore;
import dev.keel.store.Windows;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tick: the alert conditions found by looking rather than by a state change (those are queued
 * by database triggers): a node lost, a scheduled pipeline late, a time window not loaded within
 * its SLA, a partition's rejected ratio over the threshold. Every node runs it; {@link AlertOutbox}
 * queues one trigger per incident however many nodes see it, and one resolve when it clears.
 */
public final class IncidentChecks implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(IncidentChecks.class);

  /** How often a node looks. */
  public static final Duration EVERY = Duration.ofSeconds(5);

  /**
   * Tasks that rejected rows are looked at for this long after they finished (nodes all down longer
   * miss one).
   */
  static final Duration REJECTED_WINDOW = Duration.ofMinutes(15);

  private final AlertOutbox outbox;
  private final Windows windowsStore;
  private final Supplier<Collection<PipelineCatalog.Current>> pipelines;
  private final AlertChecks checks;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();

  public IncidentChecks(
      MetadataStore store,
      Supplier<Collection<PipelineCatalog.Current>> pipelines,
      AlertChecks checks,
      Clock clock) {
    this.outbox = store.alerts();
    this.windowsStore = store.windows();
    this.pipelines = pipelines;
    this.checks = checks;
    this.clock = clock;
  }

  @Override
  public void run() {
    nodes();
    late(clock.instant());
    windows(clock.instant());
    rejected();
  }

  /**
   * For each time-partitioned pipeline: records its newest loaded and newest closed window (keel
   * status, keel_window_lag_seconds), and with {@code sla} judges freshness. The window that must
   * be loaded by now is the newest one closed at least {@code sla} ago; when it is not loaded the
   * pipeline is late ({@code window_late}, one trigger per incident), and when it is, on time again
   * (one resolve). Deadlines from before the pipeline was first stored do not count, so deploying a
   * pipeline whose start lies in the past pages nobody for windows it never had.
   */
  void windows(Instant now) {
    for (PipelineCatalog.Current c : pipelines.get()) {
      PipelineSpec spec = c.spec();
      if (!spec.partitions().isWindows()) {
        continue;
      }
      TimeWindows windows = spec.partitions().windows();
      Optional<TimeWindow> closed = windows.newestClosed(now);
      Optional<TimeWindow> loaded = windowsStore.newestLoaded(spec.name()).flatMap(windows::parse);
      windowsStore.save(
          new Windows.State(
              spec.name(),
              loaded.map(TimeWindow::name).orElse(null),
              loaded.map(TimeWindow::endInstant).orElse(null),
              closed.map(TimeWindow::name).orElse(null),
              closed.map(w -> w.endInstant().plus(windows.lag())).orElse(null)));
      if (windows.sla() == null) {
        continue;
      }
      Optional<TimeWindow> due = windows.newestClosed(now.minus(windows.sla()));
      Instant firstSeen = outbox.freshness(spec.name()).firstSeen();
      String key = "keel:window_late:" + spec.name();
      if (due.isEmpty()
          || firstSeen == null
          || due.get().endInstant().plus(windows.lag()).plus(windows.sla()).isBefore(firstSeen)) {
        continue;
      }
      TimeWindow w = due.get();
      boolean late = !windowsStore.loaded(spec.name(), spec.partitions().cells(w));
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("window", w.name());
      details.put("closed_at", w.endInstant().plus(windows.lag()).toString());
      details.put("sla_seconds", windows.sla().toSeconds());
      details.put("newest_loaded", loaded.map(TimeWindow::name).orElse(null));
      outbox.enqueue(
          key,
          late,
          "window_late",
          spec.name(),
          late
              ? "keel: "
                  + spec.name()
                  + " is late: window "
                  + w.name()
                  + " closed "
                  + human(Duration.between(w.endInstant().plus(windows.lag()), now))
                  + " ago and is not loaded (sla "
                  + human(windows.sla())
                  + "; newest loaded: "
                  + loaded.map(TimeWindow::name).orElse("none")
                  + ")"
              : "keel: " + spec.name() + " is fresh again (window " + w.name() + " loaded)",
          json(details));
    }
  }

  void nodes() {
    int lost = outbox.checkNodes(checks.nodeLostAfter());
    if (lost > 0) {
      log.debug("{} node(s) without a heartbeat for {}", lost, checks.nodeLostAfter());
    }
  }

  /**
   * A scheduled pipeline is late when the newest tick at least {@code run_late_after} old has no
   * successful run at or after it. Ticks before the pipeline was first stored do not count, so a
   * new pipeline is not late for runs it never had.
   */
  void late(Instant now) {
    for (PipelineCatalog.Current c : pipelines.get()) {
      PipelineSpec spec = c.spec();
      if (spec.schedule() == null || spec.isContinuous() || spec.partitions().isWindows()) {
        continue; // a time-partitioned pipeline's ticks need not create runs: see windows()
      }
      Instant tick = lastTick(spec.schedule(), now.minus(checks.runLateAfter()));
      AlertOutbox.Freshness f = outbox.freshness(spec.name());
      boolean late =
          tick != null
              && f.firstSeen() != null
              && !tick.isBefore(f.firstSeen())
              && (f.lastSuccess() == null || f.lastSuccess().isBefore(tick));
      String key = "keel:run_late:" + spec.name();
      if (late) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("schedule", spec.schedule());
        details.put("tick", tick.toString());
        details.put("last_success", f.lastSuccess() == null ? null : f.lastSuccess().toString());
        details.put("late_after_seconds", checks.runLateAfter().toSeconds());
        outbox.enqueue(
            key,
            true,
            "run_late",
            spec.name(),
            "keel: "
                + spec.name()
                + " is late: no successful run for its "
                + tick
                + " tick "
                + human(Duration.between(tick, now))
                + " after it (last success: "
                + (f.lastSuccess() == null ? "never" : f.lastSuccess().toString())
                + ")",
            json(details));
      } else {
        outbox.enqueue(
            key,
            false,
            "run_late",
            spec.name(),
            "keel: " + spec.name() + " is on time again",
            json(Map.of("last_success", String.valueOf(f.lastSuccess()))));
      }
    }
  }

  /** The newest tick of a (Unix, minute-resolution) cron at or before {@code t}, or null. */
  static Instant lastTick(String schedule, Instant t) {
    ExecutionTime cron = ExecutionTime.forCron(Scheduler.CRON.parse(schedule));
    ZonedDateTime at = t.truncatedTo(ChronoUnit.MINUTES).atZone(ZoneOffset.UTC);
    if (cron.isMatch(at)) {
      return at.toInstant();
    }
    return cron.lastExecution(at).map(ZonedDateTime::toInstant).orElse(null);
  }

  /**
   * Judged on each partition's newest finished attempt: over the threshold triggers, under it
   * resolves. The partitions looked at are those with recent rejects and those with an open
   * incident.
   */
  void rejected() {
    Map<String, String[]> partitions = new LinkedHashMap<>();
    for (String[] p : outbox.rejecting(REJECTED_WINDOW)) {
      partitions.put(p[0] + ":" + p[1], p);
    }
    for (AlertOutbox.Open o : outbox.open("rejected_ratio")) {
      if (o.pipeline() != null && o.partition() != null) {
        partitions.putIfAbsent(
            o.pipeline() + ":" + o.partition(), new String[] {o.pipeline(), o.partition()});
      }
    }
    for (String[] p : partitions.values()) {
      Optional<AlertOutbox.Finished> last = outbox.lastFinished(p[0], p[1]);
      if (last.isEmpty()) {
        continue;
      }
      AlertOutbox.Finished f = last.get();
      // A failed attempt records what it rejected but not what it read: count those as all
      // rejected.
      double ratio =
          f.rejected() == 0 ? 0 : (double) f.rejected() / Math.max(f.read(), f.rejected());
      String key = "keel:rejected_ratio:" + p[0] + ":" + p[1];
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("partition", p[1]);
      details.put("run_id", f.runId());
      details.put("task_id", f.taskId());
      details.put("rows_read", f.read());
      details.put("rows_rejected", f.rejected());
      details.put("threshold", checks.rejectedRatio());
      boolean over = ratio > checks.rejectedRatio();
      outbox.enqueue(
          key,
          over,
          "rejected_ratio",
          p[0],
          over
              ? String.format(
                  "keel: %s/%s rejected %d of %d rows (%.2f %%, over %.2f %%); see keel.dead_letter for the reasons",
                  p[0],
                  p[1],
                  f.rejected(),
                  Math.max(f.read(), f.rejected()),
                  100 * ratio,
                  100 * checks.rejectedRatio())
              : String.format(
                  "keel: %s/%s rejected ratio back under %.2f %%",
                  p[0], p[1], 100 * checks.rejectedRatio()),
          json(details));
    }
  }

  private String json(Map<String, Object> details) {
    try {
      return json.writeValueAsString(details);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String human(Duration d) {
    long m = d.toMinutes();
    return m >= 120 ? (m / 60) + " h" : m + " min";
  }
}
