package dev.keel.engine.node;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.spec.Partitions;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.TimeWindow;
import dev.keel.spec.TimeWindows;
import dev.keel.store.MetadataStore;
import dev.keel.store.Runs;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the runs of cron-scheduled pipelines (UTC). Every node runs it; a run is unique on
 * (pipeline, trigger 'schedule', logical time = the tick), so any number of nodes seeing one tick
 * create one run. A pipeline's ticks resume after the newest scheduled run in the database; a
 * pipeline never scheduled before starts at the first tick after it was seen. After the whole
 * cluster was down, only the newest {@code catchUp} missed ticks are run (at least the latest);
 * older ones are skipped with a log line. The clock is injected so tests can drive ticks.
 *
 * <p>A time-partitioned pipeline ({@link TimeWindows}) gets one run per window instead, its logical
 * time the window's start: each tick creates the runs of the windows closed by then (end + lag ≤
 * tick) after the newest window already scheduled, so two nodes on one tick, or a node that ticks
 * twice, create each window's run once. After an outage at most {@code windowCatchUp} of the newest
 * missed windows are created; the older ones are recorded as skipped ({@code keel status}).
 */
public final class Scheduler implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
  public static final String TRIGGER = "schedule";

  /** The trigger of the runs of {@code schedule: continuous}. */
  public static final String CONTINUOUS_TRIGGER = "continuous";

  /** How long a continuous pipeline waits after a run that found nothing to read. */
  public static final java.time.Duration CONTINUOUS_IDLE = java.time.Duration.ofSeconds(5);

  static final CronParser CRON =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final MetadataStore store;
  private final Supplier<Collection<PipelineCatalog.Current>> pipelines;
  private final Clock clock;
  private final int catchUp;
  private final int windowCatchUp;
  private final Map<String, Instant> lastTick = new HashMap<>();
  private final Map<String, Instant> lastWindow = new HashMap<>();

  Scheduler(
      MetadataStore store,
      Supplier<Collection<PipelineCatalog.Current>> pipelines,
      Clock clock,
      int catchUp) {
    this(store, pipelines, clock, catchUp, NodeConfig.DEFAULT_WINDOW_CATCH_UP);
  }

  Scheduler(
      MetadataStore store,
      Supplier<Collection<PipelineCatalog.Current>> pipelines,
      Clock clock,
      int catchUp,
      int windowCatchUp) {
    this.store = store;
    this.pipelines = pipelines;
    this.clock = clock;
    this.catchUp = Math.max(1, catchUp);
    this.windowCatchUp = Math.max(1, windowCatchUp);
  }

  @Override
  public void run() {
    tick(clock.instant());
  }

  /** Creates the runs due at {@code now}; returns the ids of the runs this call created. */
  public synchronized List<Long> tick(Instant now) {
    List<Long> created = new ArrayList<>();
    for (PipelineCatalog.Current c : pipelines.get()) {
      try {
        if (c.spec().isContinuous()) {
          continuous(c, now).ifPresent(created::add);
        } else if (c.spec().schedule() != null && c.spec().partitions().isWindows()) {
          created.addAll(scheduleWindows(c, now));
        } else if (c.spec().schedule() != null) {
          created.addAll(schedule(c, now));
        }
      } catch (KeelException e) {
        // A source that cannot list its partitions now (a Kafka broker down): the next tick asks
        // again; the other pipelines go on.
        log.warn("pipeline {}: no run scheduled: {}", c.spec().name(), e.getMessage());
      }
    }
    return created;
  }

  /**
   * {@code schedule: continuous}: a new run once the last one ended, at once while there is lag
   * (the last run read records, or its tasks saw more arrive behind them), after {@link
   * #CONTINUOUS_IDLE} otherwise. The logical time derives from the last run (its end, or its end
   * plus the idle wait; the epoch for the first), so every node computes the same one and the
   * cluster creates one run.
   */
  private Optional<Long> continuous(PipelineCatalog.Current c, Instant now) {
    PipelineSpec spec = c.spec();
    Optional<Runs.Last> last = store.runs().last(spec.name(), CONTINUOUS_TRIGGER);
    Instant logical;
    if (last.isEmpty()) {
      logical = Instant.EPOCH;
    } else if (!last.get().ended()) {
      return Optional.empty();
    } else if (last.get().rowsRead() > 0 || last.get().lag() > 0) {
      logical = last.get().finishedAt();
    } else {
      logical = last.get().finishedAt().plus(CONTINUOUS_IDLE);
      if (now.isBefore(logical)) {
        return Optional.empty();
      }
    }
    if (last.isPresent() && !logical.isAfter(last.get().logicalTime())) {
      logical = last.get().logicalTime().plusMillis(1);
    }
    List<String> partitions = Connectors.installed().partitionsOf(spec);
    Optional<Long> run =
        store
            .runs()
            .create(
                spec.name(), c.versionId(), CONTINUOUS_TRIGGER, logical, partitions, spec.retry());
    run.ifPresent(
        id ->
            log.debug(
                "pipeline {}: continuous run {} ({} partitions)",
                spec.name(),
                id,
                partitions.size()));
    return run;
  }

  private List<Long> schedule(PipelineCatalog.Current c, Instant now) {
    PipelineSpec spec = c.spec();
    Instant last = lastTick.get(spec.name());
    if (last == null) {
      last = store.runs().latest(spec.name(), TRIGGER).orElse(now);
      lastTick.put(spec.name(), last);
    }
    ExecutionTime cron = ExecutionTime.forCron(CRON.parse(spec.schedule()));
    List<Instant> due = dueTicks(cron, last, now);
    List<Long> created = new ArrayList<>();
    for (Instant tick : due) {
      List<String> partitions = Connectors.installed().partitionsOf(spec);
      Optional<Long> run =
          store.runs().create(spec.name(), c.versionId(), TRIGGER, tick, partitions, spec.retry());
      run.ifPresent(
          id -> {
            created.add(id);
            log.info(
                "pipeline {}: scheduled run {} for tick {} (version {}, {} partitions)",
                spec.name(),
                id,
                tick,
                c.versionId(),
                partitions.size());
          });
      lastTick.put(spec.name(), tick);
    }
    return created;
  }

  private List<Long> scheduleWindows(PipelineCatalog.Current c, Instant now) {
    PipelineSpec spec = c.spec();
    TimeWindows windows = spec.partitions().windows();
    ExecutionTime cron = ExecutionTime.forCron(CRON.parse(spec.schedule()));
    ZonedDateTime t = now.truncatedTo(ChronoUnit.MINUTES).atZone(ZoneOffset.UTC);
    Instant tick =
        cron.isMatch(t)
            ? t.toInstant()
            : cron.lastExecution(t).map(ZonedDateTime::toInstant).orElse(null);
    Optional<TimeWindow> newest = tick == null ? Optional.empty() : windows.newestClosed(tick);
    if (newest.isEmpty()) {
      return List.of();
    }
    Instant last = lastWindow.get(spec.name());
    if (last == null) {
      last = store.runs().latest(spec.name(), TRIGGER).orElse(null);
    }
    if (last != null && !newest.get().startInstant().isAfter(last)) {
      return List.of();
    }
    // Walk back from the newest closed window to the newest one scheduled (or the first).
    List<TimeWindow> due = new ArrayList<>();
    TimeWindow w = newest.get();
    while (windows.inRange(w)
        && (last == null || w.startInstant().isAfter(last))
        && due.size() < windowCatchUp) {
      due.add(0, w);
      w = windows.previous(w);
    }
    if (windows.inRange(w) && (last == null || w.startInstant().isAfter(last))) {
      TimeWindow firstMissed =
          last == null ? windows.first() : windows.next(windows.containing(last));
      int count = windows.between(firstMissed, w, Partitions.MAX_DATES).size();
      store.windows().skip(spec.name(), firstMissed.name(), w.name(), count);
      log.warn(
          "pipeline {}: windows {} to {} ({}) are skipped (catch-up is {} window(s)); load them with keel backfill {} --from {} --to {}",
          spec.name(),
          firstMissed.name(),
          w.name(),
          count,
          windowCatchUp,
          spec.name(),
          firstMissed.name(),
          w.name());
    }
    List<Long> created = new ArrayList<>();
    for (TimeWindow d : due) {
      List<String> cells = spec.partitions().cells(d);
      Optional<Long> run =
          store
              .runs()
              .create(spec.name(), c.versionId(), TRIGGER, d.startInstant(), cells, spec.retry());
      run.ifPresent(
          id -> {
            created.add(id);
            log.info(
                "pipeline {}: scheduled run {} for window {} ({} partitions, version {})",
                spec.name(),
                id,
                d.name(),
                cells.size(),
                c.versionId());
          });
      lastWindow.put(spec.name(), d.startInstant());
    }
    return created;
  }

  /**
   * The newest ticks after {@code last} up to and including {@code now}, at most catchUp of them,
   * oldest first.
   */
  private List<Instant> dueTicks(ExecutionTime cron, Instant last, Instant now) {
    // Unix cron has minutes, no seconds: 00:01:40 "matches" * * * * *, and its tick is 00:01:00.
    ZonedDateTime t = now.truncatedTo(ChronoUnit.MINUTES).atZone(ZoneOffset.UTC);
    ZonedDateTime after = last.atZone(ZoneOffset.UTC);
    if (!cron.isMatch(t)) {
      t = cron.lastExecution(t).orElse(null);
    }
    List<Instant> out = new ArrayList<>();
    while (t != null && t.isAfter(after) && out.size() < catchUp) {
      out.add(t.toInstant());
      t = cron.lastExecution(t).orElse(null);
    }
    if (t != null && t.isAfter(after)) {
      log.warn(
          "missed ticks from {} to {} are skipped (catch-up is {} tick(s); use keel backfill to run them)",
          after.toInstant(),
          t.toInstant(),
          catchUp);
    }
    Collections.reverse(out);
    return out;
  }
}
