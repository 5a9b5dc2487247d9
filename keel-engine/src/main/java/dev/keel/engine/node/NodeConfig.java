package dev.keel.engine.node;

import dev.keel.spec.AlertChecks;
import dev.keel.store.NodeSession;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node runs: its id, the pipeline folder, worker slots and the coordination timings. Built by
 * {@link Builder}, which fixes impossible combinations (logging each fix), logs the effective
 * values once, and returns an immutable value.
 */
public record NodeConfig(
    String nodeId,
    Path pipelines,
    int workers,
    int claimBatch,
    Duration lease,
    Duration heartbeat,
    Duration poll,
    Duration reapEvery,
    Duration scanEvery,
    Duration drainTimeout,
    int catchUp,
    Integer httpPort,
    boolean ignoreLeaseLoss,
    AlertChecks alertChecks,
    Clock clock,
    String region,
    int windowCatchUp,
    Clock scheduleClock,
    Duration publishRecheck,
    Duration sessionGrace) {

  public static final int DEFAULT_WORKERS = 4;
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_POLL = Duration.ofMillis(500);
  public static final Duration DEFAULT_REAP_EVERY = Duration.ofMillis(500);
  public static final Duration DEFAULT_SCAN_EVERY = Duration.ofSeconds(2);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /** After the whole cluster was down, at most this many missed ticks per pipeline are run. */
  public static final int DEFAULT_CATCH_UP = 1;

  /**
   * After the whole cluster was down, at most this many missed windows per time-partitioned
   * pipeline are created (the older ones are listed as skipped).
   */
  public static final int DEFAULT_WINDOW_CATCH_UP = 10;

  /**
   * After a sink failover, the partitions published this far back are checked against the new
   * server's load records.
   */
  public static final Duration DEFAULT_PUBLISH_RECHECK = Duration.ofHours(1);

  public static Builder builder(String nodeId) {
    return new Builder(nodeId);
  }

  public static final class Builder {
    private static final Logger log = LoggerFactory.getLogger(NodeConfig.class);
    private final String nodeId;
    private Path pipelines;
    private int workers = DEFAULT_WORKERS;
    private int claimBatch = 0;
    private Duration lease = DEFAULT_LEASE;
    private Duration heartbeat = DEFAULT_HEARTBEAT;
    private Duration poll = DEFAULT_POLL;
    private Duration reapEvery = DEFAULT_REAP_EVERY;
    private Duration scanEvery = DEFAULT_SCAN_EVERY;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private int catchUp = DEFAULT_CATCH_UP;
    private int windowCatchUp = DEFAULT_WINDOW_CATCH_UP;
    private Clock scheduleClock = Clock.systemUTC();
    private Integer httpPort;
    private boolean ignoreLeaseLoss;
    private AlertChecks alertChecks = AlertChecks.DEFAULT;
    private Clock clock = MonotonicClock.UTC;
    private String region;
    private Duration publishRecheck = DEFAULT_PUBLISH_RECHECK;
    private Duration sessionGrace = NodeSession.GRACE;

    private Builder(String nodeId) {
      this.nodeId = nodeId;
    }

    public Builder pipelines(Path v) {
      pipelines = v;
      return this;
    }

    public Builder workers(int v) {
      workers = v;
      return this;
    }

    public Builder claimBatch(int v) {
      claimBatch = v;
      return this;
    }

    public Builder lease(Duration v) {
      lease = v;
      return this;
    }

    public Builder heartbeat(Duration v) {
      heartbeat = v;
      return this;
    }

    public Builder poll(Duration v) {
      poll = v;
      return this;
    }

    public Builder reapEvery(Duration v) {
      reapEvery = v;
      return this;
    }

    /**
     * How long another node's database session may be gone before its tasks are taken over ({@link
     * NodeSession#GRACE}).
     */
    public Builder sessionGrace(Duration v) {
      sessionGrace = v;
      return this;
    }

    public Builder scanEvery(Duration v) {
      scanEvery = v;
      return this;
    }

    public Builder drainTimeout(Duration v) {
      drainTimeout = v;
      return this;
    }

    /**
     * The wall clock by which the scheduler and the incident checks tell cron ticks, closed windows
     * and SLAs (default the system's). Tests set it to drive days in seconds; leases never use it.
     */
    public Builder scheduleClock(Clock v) {
      scheduleClock = v;
      return this;
    }

    /** The catch-up of time-partitioned pipelines, in windows. */
    public Builder windowCatchUp(int v) {
      windowCatchUp = v;
      return this;
    }

    public Builder catchUp(int v) {
      catchUp = v;
      return this;
    }

    public Builder httpPort(Integer v) {
      httpPort = v;
      return this;
    }

    /**
     * Fault injection for tests: keep working after a lost lease, so only the sink fence stops it.
     */
    public Builder ignoreLeaseLoss(boolean v) {
      ignoreLeaseLoss = v;
      return this;
    }

    /** Thresholds of the node lost, run late and rejected ratio alerts. */
    public Builder alertChecks(AlertChecks v) {
      alertChecks = v;
      return this;
    }

    /**
     * The clock by which the node judges its own leases and waits (claims, heartbeats, drains); by
     * default one that follows {@link System#nanoTime()} and never jumps. Lease expiry for the
     * cluster stays the database clock's.
     */
    public Builder clock(Clock v) {
      clock = v;
      return this;
    }

    /**
     * The node's region ({@code keel node --region}), or null for none: it then runs only pipelines
     * without {@code regions:}.
     */
    public Builder region(String v) {
      region = v;
      return this;
    }

    /** How far back published partitions are re-checked after a sink failover (default 1 h). */
    public Builder publishRecheck(Duration v) {
      publishRecheck = v;
      return this;
    }

    public NodeConfig build() {
      List<String> fixes = new ArrayList<>();
      if (workers < 1) {
        fixes.add("workers " + workers + " -> 1");
        workers = 1;
      }
      if (claimBatch < 1) {
        claimBatch = workers;
      }
      if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
        fixes.add("lease " + lease + " -> PT1S");
        lease = Duration.ofSeconds(1);
      }
      // Two renewals must fit in a lease, or one slow heartbeat loses every task.
      if (heartbeat.multipliedBy(2).compareTo(lease) > 0) {
        Duration fixed = lease.dividedBy(3);
        fixes.add(
            "heartbeat "
                + heartbeat
                + " -> "
                + fixed
                + " (at most a third of the lease "
                + lease
                + ")");
        heartbeat = fixed;
      }
      if (catchUp < 0) {
        fixes.add("catch-up " + catchUp + " -> 0");
        catchUp = 0;
      }
      fixes.forEach(f -> log.warn("node {}: fixed setting {}", nodeId, f));
      NodeConfig c =
          new NodeConfig(
              nodeId,
              pipelines,
              workers,
              claimBatch,
              lease,
              heartbeat,
              poll,
              reapEvery,
              scanEvery,
              drainTimeout,
              catchUp,
              httpPort,
              ignoreLeaseLoss,
              alertChecks,
              clock,
              region,
              Math.max(1, windowCatchUp),
              scheduleClock,
              publishRecheck,
              sessionGrace);
      log.info(
          "node {}: region {}, pipelines {}, workers {}, lease {}, heartbeat {}, poll {}, reap every {}, session grace {}, drain timeout {}, catch-up {}{}",
          nodeId,
          region == null ? "none" : region,
          pipelines,
          workers,
          lease,
          heartbeat,
          poll,
          reapEvery,
          sessionGrace,
          drainTimeout,
          catchUp,
          ignoreLeaseLoss ? " (FAULT INJECTION: lease loss ignored)" : "");
      return c;
    }
  }
}
