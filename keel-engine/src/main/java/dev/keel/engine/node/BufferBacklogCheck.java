package dev.keel.engine.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.connector.BufferProvider;
import dev.keel.connector.Connectors;
import dev.keel.engine.SinkFactory;
import dev.keel.runtime.Sink;
import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.BufferBacklogs;
import dev.keel.store.MetadataStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tick: for each buffered pipeline that no node measured in the last interval, what waits in
 * its buffer (records after the positions the load stage's sink stored, and the age of the oldest),
 * saved in {@code keel.buffer_backlog} for status and metrics, and the {@code buffer_backlog}
 * alert: one trigger when the oldest record has waited longer than {@code alert_after}, one resolve
 * when it no longer has. While the sink cannot be read (it is down: the case this is for) the
 * positions last read stand; they cannot have moved, since a position moves only with a publish
 * into that sink.
 */
final class BufferBacklogCheck implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BufferBacklogCheck.class);

  /** How often a node looks. */
  static final Duration EVERY = Duration.ofSeconds(5);

  private final MetadataStore store;
  private final Supplier<Collection<PipelineCatalog.Current>> pipelines;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();

  /** The sink of each load stage version, opened once (it is only read). */
  private final Map<Long, Sink> sinks = new HashMap<>();

  BufferBacklogCheck(
      MetadataStore store, Supplier<Collection<PipelineCatalog.Current>> pipelines, Clock clock) {
    this.store = store;
    this.pipelines = pipelines;
    this.clock = clock;
  }

  @Override
  public synchronized void run() {
    Collection<PipelineCatalog.Current> current = pipelines.get();
    closeSinksNoLongerCurrent(current);
    for (PipelineCatalog.Current c : current) {
      if (!BufferStages.isLoad(c.spec())) {
        continue;
      }
      try {
        check(c);
      } catch (RuntimeException e) {
        log.warn(
            "pipeline {}: measuring the buffer backlog failed: {}",
            BufferStages.fileName(c.spec().name()),
            e.getMessage());
      }
    }
  }

  private void check(PipelineCatalog.Current c) {
    PipelineSpec load = c.spec();
    String name = BufferStages.fileName(load.name());
    BufferBacklogs backlogs = store.bufferBacklogs();
    if (!backlogs.claim(name, EVERY)) {
      return; // another node measured it less than an interval ago
    }
    Map<String, String> positions = positions(c, name, backlogs);
    BufferProvider provider = Connectors.installed().buffer(load.buffer().kind());
    List<BufferProvider.Backlog> measured = provider.backlog(load.buffer(), positions);
    backlogs.save(
        name,
        measured.stream()
            .map(
                b ->
                    new BufferBacklogs.Partition(
                        b.partition(), positions.get(b.partition()), b.records(), b.oldest()))
            .toList());
    alert(name, load, measured);
  }

  private Map<String, String> positions(
      PipelineCatalog.Current c, String name, BufferBacklogs backlogs) {
    try {
      return sink(c).storedPositions(c.spec().source().stream());
    } catch (RuntimeException e) {
      log.debug("pipeline {}: sink not readable ({}); last positions seen", name, e.getMessage());
      return backlogs.positions(name);
    }
  }

  private void alert(String name, PipelineSpec load, List<BufferProvider.Backlog> measured) {
    Instant now = clock.instant();
    long records = measured.stream().mapToLong(BufferProvider.Backlog::records).sum();
    Instant oldest =
        measured.stream()
            .map(BufferProvider.Backlog::oldest)
            .filter(java.util.Objects::nonNull)
            .min(Instant::compareTo)
            .orElse(null);
    Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, now);
    Duration limit = load.buffer().alertAfter();
    boolean late = records > 0 && age.compareTo(limit) > 0;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("buffer", load.buffer().target());
    details.put("records", records);
    details.put("oldest_age_seconds", age.toSeconds());
    details.put("alert_after_seconds", limit.toSeconds());
    store
        .alerts()
        .enqueue(
            "keel:buffer_backlog:" + name,
            late,
            "buffer_backlog",
            name,
            late
                ? "keel: "
                    + name
                    + ": "
                    + records
                    + " record(s) wait in "
                    + load.buffer().target()
                    + ", the oldest for "
                    + age.toSeconds()
                    + " s (alert_after "
                    + limit.toSeconds()
                    + " s); is "
                    + load.sink().target()
                    + " down?"
                : "keel: " + name + ": the buffer backlog is loaded again",
            json(details));
  }

  private Sink sink(PipelineCatalog.Current c) {
    Sink s = sinks.get(c.versionId());
    if (s == null) {
      s = SinkFactory.create(c.spec(), store.db());
      sinks.put(c.versionId(), s);
    }
    return s;
  }

  /** A pipeline changed or removed: the sink of its old version is not read again. */
  private void closeSinksNoLongerCurrent(Collection<PipelineCatalog.Current> current) {
    Set<Long> versions =
        current.stream().map(PipelineCatalog.Current::versionId).collect(Collectors.toSet());
    sinks
        .entrySet()
        .removeIf(
            e -> {
              if (versions.contains(e.getKey())) {
                return false;
              }
              e.getValue().close();
              return true;
            });
  }

  private String json(Map<String, Object> details) {
    try {
      return json.writeValueAsString(details);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    sinks.values().forEach(Sink::close);
    sinks.clear();
  }
}
