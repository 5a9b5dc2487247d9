package dev.keel.engine.node;

import dev.keel.engine.SinkBreakers;
import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.store.MetadataStore;
import dev.keel.store.NodeSession;
import dev.keel.store.TaskCompletions;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keel node: registration, heartbeat (node row and all leases in one statement), reaper,
 * pipeline folder scan, scheduler, claim loop and workers. Every node is the same; there is no
 * leader. {@link #drain()} stops claiming, lets the tasks in hand finish within the drain timeout,
 * releases the rest without spending an attempt, and deregisters.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  /**
   * After the drain timeout, how long stopped tasks get to reach their next check and release
   * themselves.
   */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final MetadataStore store;
  private final MetadataStore coordination;
  private final NodeConfig config;
  private final HeldTasks held;
  private final Heartbeat heartbeat;
  private final NodeSession session;
  private final Loops loops = new Loops();
  private final BufferBacklogCheck backlogCheck;
  private final StoredPipelines pipelines;
  private final Workers workers;
  private final PipelineCatalog catalog;
  private volatile boolean draining;

  /**
   * @param store the metadata store the workers use
   * @param coordination a small separate pool of the same database for heartbeat and reaper, so
   *     busy workers never delay a lease renewal
   * @param events observer of task outcomes (the node's metrics)
   */
  public ClusterNode(
      MetadataStore store, MetadataStore coordination, NodeConfig config, RuntimeEvents events) {
    this.store = store;
    this.coordination = coordination;
    this.config = config;
    this.held = new HeldTasks(config.lease(), config.ignoreLeaseLoss(), config.clock());
    this.heartbeat =
        new Heartbeat(coordination.nodes(), config.nodeId(), held, config.lease(), config.clock());
    this.session = coordination.nodeSession(config.nodeId());
    this.pipelines = new StoredPipelines(store);
    TaskCompletions completions = new TaskCompletions(store);
    TaskExecutor executor =
        TaskExecutor.builder(store, config.nodeId())
            .events(events)
            .breakers(new SinkBreakers(SinkBreakers.DEFAULT_WAIT))
            .completions(completions)
            .build();
    this.workers =
        new Workers(
            store,
            config,
            held,
            completions,
            (task, control) -> {
              StoredPipelines.Loaded p = pipelines.get(task.versionId());
              return executor.execute(task, p.spec(), p.sink(), control).outcome();
            });
    this.catalog =
        config.pipelines() == null
            ? null
            : new PipelineCatalog(store, config.pipelines(), config.nodeId());
    this.backlogCheck =
        catalog == null
            ? null
            : new BufferBacklogCheck(store, catalog::current, config.scheduleClock());
  }

  public void start() {
    long pid = ProcessHandle.current().pid();
    coordination.nodes().register(config.nodeId(), host(), pid, config.httpPort(), config.region());
    loops.every("heartbeat", config.heartbeat(), heartbeat);
    // Registered first: a node's tasks are reaped at once when its process dies only once it holds
    // its session.
    loops.every("session", SessionKeeper.PERIOD, new SessionKeeper(session, config.heartbeat()));
    loops.every(
        "reaper",
        config.reapEvery(),
        new Reaper(coordination, config.lease(), config.sessionGrace(), workers::wake));
    loops.every(
        "incidents",
        IncidentChecks.EVERY,
        new IncidentChecks(
            store,
            catalog == null ? List::of : catalog::current,
            config.alertChecks(),
            config.scheduleClock()));
    loops.every(
        "sink-failover",
        SinkFailoverCheck.EVERY,
        new SinkFailoverCheck(store, pipelines, config.publishRecheck()));
    if (catalog != null) {
      loops.every("pipelines", config.scanEvery(), catalog);
      Scheduler scheduler =
          new Scheduler(
              store,
              catalog::current,
              config.scheduleClock(),
              config.catchUp(),
              config.windowCatchUp());
      loops.every("scheduler", Duration.ofSeconds(1), scheduler);
      loops.every("buffer-backlog", BufferBacklogCheck.EVERY, backlogCheck);
    }
    workers.start();
    log.info(
        "node {} started (pid {}, host {}, region {})",
        config.nodeId(),
        pid,
        host(),
        config.region() == null ? "none" : config.region());
  }

  /** Why this node should get no traffic now (for /health/ready), or null when it is ready. */
  public String notReadyReason() {
    if (draining) {
      return "node " + config.nodeId() + " is draining";
    }
    if (!heartbeat.healthy()) {
      return "node "
          + config.nodeId()
          + " has not heartbeated for longer than its lease "
          + config.lease();
    }
    return null;
  }

  /** SIGTERM: stop claiming, finish or release the tasks in hand, deregister. */
  public void drain() throws InterruptedException {
    draining = true;
    log.info(
        "node {} draining: no new claims; {} task(s) in hand get up to {} to finish",
        config.nodeId(),
        held.size(),
        config.drainTimeout());
    heartbeat.state("draining");
    workers.stopClaiming();
    loops.stop("scheduler");
    loops.stop("pipelines");
    loops.stop("reaper");
    loops.stop("incidents");
    loops.stop("buffer-backlog");
    int left = workers.awaitIdle(config.drainTimeout());
    if (left > 0) {
      log.info(
          "node {}: {} task(s) still running after the drain timeout; stopping and releasing them",
          config.nodeId(),
          left);
      held.drainAll();
      workers.awaitIdle(STOP_GRACE);
      for (HeldTasks.Held h : List.copyOf(held.all())) {
        // Stuck in I/O past its checks: give it back now. If it still publishes before we exit, the
        // next attempt finds its load id and does not publish again.
        try {
          store.tasks().release(h.task);
        } catch (RuntimeException e) {
          log.warn(
              "releasing task {} failed ({}); the reaper will requeue it when its lease runs out",
              h.task.id(),
              e.getMessage());
        }
      }
    }
    loops.close();
    try {
      coordination.nodes().markStopped(config.nodeId());
    } catch (RuntimeException e) {
      log.warn("deregistering node {} failed: {}", config.nodeId(), e.getMessage());
    }
    session.close();
    workers.shutdown();
    pipelines.close();
    if (backlogCheck != null) {
      backlogCheck.close();
    }
    log.info("node {} stopped", config.nodeId());
  }

  static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
