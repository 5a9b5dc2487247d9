package dev.keel.engine;

import dev.keel.runtime.RuntimeEvents;
import dev.keel.runtime.Sink;
import dev.keel.runtime.TaskControl;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.ClaimedTask;
import dev.keel.store.MetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keel run}: one run of a pipeline executed in this process, through the same task queue a
 * cluster uses (claims, fences, leases renewed by heartbeat), so it is safe next to running nodes.
 */
public final class LocalRun {
  private static final Logger log = LoggerFactory.getLogger(LocalRun.class);
  public static final Duration LEASE = Duration.ofSeconds(30);
  public static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private final MetadataStore store;
  private final String node;
  private final RuntimeEvents events;
  private final SinkBreakers breakers;

  private LocalRun(Builder b) {
    this.store = b.store;
    this.node = "run-" + hostName() + "-" + ProcessHandle.current().pid();
    this.events = b.events;
    this.breakers = new SinkBreakers(b.sinkOutageWait);
  }

  /** A local run recording in {@code store}; the rest has defaults. */
  public static Builder builder(MetadataStore store) {
    return new Builder(store);
  }

  /** How a local run is made; every setting but the store is optional. */
  public static final class Builder {
    private final MetadataStore store;
    private RuntimeEvents events = RuntimeEvents.NONE;
    private Duration sinkOutageWait = SinkBreakers.DEFAULT_WAIT;

    private Builder(MetadataStore store) {
      this.store = store;
    }

    /**
     * An observer of task outcomes (metrics when {@code keel run} serves HTTP); none by default.
     */
    public Builder events(RuntimeEvents events) {
      this.events = events;
      return this;
    }

    /**
     * How long tasks wait for a sink that is down before one tries it again; {@link
     * SinkBreakers#DEFAULT_WAIT} by default.
     */
    public Builder sinkOutageWait(Duration wait) {
      this.sinkOutageWait = wait;
      return this;
    }

    public LocalRun build() {
      return new LocalRun(this);
    }
  }

  /** Creates the run and its tasks; returns the run id. */
  public long create(PipelineSpec spec, List<String> partitions) {
    for (long dead : store.expiredLeases().abandonDeadManualRuns()) {
      store.runs().refresh(dead);
      log.warn(
          "run {} was left unfinished by a keel run process that stopped (killed or crashed); its open tasks are"
              + " marked failed",
          dead);
    }
    long version =
        store
            .versions()
            .save(spec.name(), spec.hash(), spec.text(), spec.file().toString(), spec.regions());
    return store
        .runs()
        .create(spec.name(), version, "manual:" + node, Instant.now(), partitions, spec.retry())
        .orElseThrow(() -> new IllegalStateException("a run with the same logical time exists"));
  }

  /**
   * Creates the run that replays the dead letters of {@code sourceRun}'s {@code partition}: one per
   * source run and partition (its trigger and logical time are derived from them), so replaying the
   * same dead letters twice publishes once. Empty when that replay run exists already.
   */
  public java.util.Optional<Long> createReplay(
      PipelineSpec spec, long versionId, long sourceRun, String partition) {
    return store
        .runs()
        .create(
            spec.name(),
            versionId,
            "manual:replay:" + partition,
            Instant.ofEpochSecond(sourceRun),
            List.of(partition),
            spec.retry());
  }

  /** Executes every task of the run, retrying transient failures, until none is open. */
  public void execute(long runId, PipelineSpec spec, Sink sink, int workers)
      throws InterruptedException {
    execute(runId, spec, sink, workers, null);
  }

  /** The same, reading sources through {@code sources} when not null. */
  public void execute(
      long runId, PipelineSpec spec, Sink sink, int workers, dev.keel.runtime.SourceOpener sources)
      throws InterruptedException {
    TaskExecutor executor =
        TaskExecutor.builder(store, node)
            .events(events)
            .breakers(breakers)
            .sources(sources)
            .build();
    ScheduledExecutorService heartbeat =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "keel-heartbeat"));
    heartbeat.scheduleWithFixedDelay(
        () -> {
          try {
            store.tasks().renew(node, LEASE);
          } catch (RuntimeException e) {
            log.warn("renewing leases failed: {}", e.getMessage());
          }
        },
        HEARTBEAT.toMillis(),
        HEARTBEAT.toMillis(),
        TimeUnit.MILLISECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> daemon(r, "keel-worker"));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        futures.add(pool.submit(() -> work(runId, spec, sink, executor)));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(
              "a worker failed: " + e.getCause().getMessage(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      heartbeat.shutdownNow();
    }
  }

  private Void work(long runId, PipelineSpec spec, Sink sink, TaskExecutor executor)
      throws InterruptedException {
    while (!Thread.currentThread().isInterrupted()) {
      List<ClaimedTask> claimed = store.tasks().claim(node, runId, 1, LEASE);
      if (claimed.isEmpty()) {
        if (store.tasks().open(runId) == 0) {
          return null;
        }
        long due = store.tasks().millisUntilDue(runId);
        Thread.sleep(Math.max(20, Math.min(due < 0 ? 200 : due, 1000)));
        continue;
      }
      for (ClaimedTask task : claimed) {
        try {
          executor.execute(task, spec, sink, TaskControl.NONE);
        } catch (RuntimeException | Error e) {
          // The executor records every failure of the work itself; this is one of the executor
          // (e.g.
          // out of memory while recording). Fail the task rather than leave it running and the run
          // open.
          executor.failUnexpectedly(task, e);
        }
      }
    }
    return null;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
