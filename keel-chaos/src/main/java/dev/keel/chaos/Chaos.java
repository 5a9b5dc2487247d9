package dev.keel.chaos;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A chaos session: keeps runs of {@link ChaosPipeline} going on the cluster, injects one fault at a
 * time at seeded random moments, waits after each until the cluster works again, and at the end
 * lets the runs finish and checks the {@link Invariants}.
 */
public final class Chaos {
  /** How often the controller looks at the cluster. */
  static final Duration TICK = Duration.ofMillis(250);

  /** Runs kept queued or running at once, so every node has work when a fault strikes. */
  static final int OPEN_RUNS = 3;

  /** Before a fault, how long to wait for a task to be running, and how often to look. */
  static final Duration WORK_WAIT = Duration.ofSeconds(10);

  static final Duration WORK_POLL = Duration.ofMillis(50);

  /** How long the nodes may take to start. */
  static final Duration NODES_START = Duration.ofSeconds(120);

  /** After the runs finished, how long the alerts raised during the faults may take to resolve. */
  static final Duration ALERT_SETTLE = Duration.ofSeconds(30);

  private final ChaosSettings settings;
  private final ChaosCluster cluster;
  private final ChaosPipeline pipeline;
  private final RunTrigger trigger;
  private final PrintWriter out;
  private final Random random;
  private final Sql sql;
  private final Map<Long, List<String>> runs = new LinkedHashMap<>();
  private final List<Fault> faults = new ArrayList<>();
  private final long started = System.nanoTime();
  private String triggerProblem;

  public Chaos(
      ChaosSettings settings,
      ChaosCluster cluster,
      ChaosPipeline pipeline,
      RunTrigger trigger,
      PrintWriter out) {
    this.settings = settings;
    this.cluster = cluster;
    this.pipeline = pipeline;
    this.trigger = trigger;
    this.out = out;
    this.random = new Random(settings.seed());
    this.sql = cluster.sql();
  }

  public ChaosResult run() throws Exception {
    Instant since = dbNow();
    for (int i = 1; i <= settings.nodes(); i++) {
      cluster.startNode("chaos-" + i);
    }
    awaitNodes(since);
    say(
        "%d nodes up; injecting %s for %d s (seed %d)",
        settings.nodes(),
        settings.faults().stream().map(FaultKind::label).toList(),
        settings.duration().toSeconds(),
        settings.seed());
    FaultPlan plan = new FaultPlan(settings.faults(), random);
    long end = System.nanoTime() + settings.duration().toNanos();
    long nextFault = System.nanoTime() + plan.gap().toNanos();
    while (System.nanoTime() < end) {
      keepRunsGoing();
      if (System.nanoTime() >= nextFault) {
        faults.add(inject(plan.next()));
        nextFault = System.nanoTime() + plan.gap().toNanos();
      }
      Thread.sleep(TICK.toMillis());
    }
    say("faults over; letting %d runs finish", runs.size());
    settle(since);
    say("checking");
    Map<Long, List<String>> all = runsSince(since);
    return new ChaosResult(
        settings,
        List.copyOf(faults),
        Map.copyOf(all),
        new Invariants(sql, pipeline.rowsPerPartition()).check(all, since, faults));
  }

  /** Triggers a run of fresh days while fewer than {@link #OPEN_RUNS} are open. */
  private void keepRunsGoing() {
    try {
      long open =
          runs.isEmpty()
              ? 0
              : sql.scalar(
                  "SELECT count(*) FROM keel.run WHERE id = ANY (?) AND state IN ('queued', 'running')",
                  (Object) runs.keySet().toArray(new Long[0]));
      for (long i = open; i < OPEN_RUNS; i++) {
        List<String> days = pipeline.nextRun();
        runs.put(trigger.trigger(days), days);
      }
    } catch (Exception e) {
      // The database may be restarting: try again next tick. Days written for a run whose trigger
      // failed are never loaded; a trigger that committed unheard is found by runsSince().
      String problem = e.toString();
      if (!problem.equals(triggerProblem)) {
        say("could not trigger a run yet (%s); trying again", problem);
        triggerProblem = problem;
      }
    }
  }

  /**
   * The runs of the pipeline created since the session began, with their days, as the database has
   * them: with the ones this controller recorded, any whose trigger committed while its answer was
   * lost (a restart mid-insert), so their rows are not taken for strays.
   */
  private Map<Long, List<String>> runsSince(Instant since) throws SQLException {
    Map<Long, List<String>> all = new LinkedHashMap<>(runs);
    for (List<String> row :
        sql.rows(
            "SELECT t.run_id, t.partition FROM keel.run r JOIN keel.task t ON t.run_id = r.id"
                + " WHERE r.pipeline = ? AND r.created_at >= ? ORDER BY t.run_id, t.partition",
            ChaosPipeline.NAME,
            Timestamp.from(since))) {
      long run = Long.parseLong(row.get(0));
      List<String> days = all.computeIfAbsent(run, r -> new ArrayList<>());
      if (!runs.containsKey(run)) {
        days.add(row.get(1));
      }
    }
    return all;
  }

  /** Injects one fault, heals it, and waits until the cluster works again. */
  private Fault inject(FaultPlan.Step step) throws Exception {
    FaultKind kind = step.kind();
    boolean onNode = kind == FaultKind.KILL || kind == FaultKind.FREEZE;
    List<List<String>> running = awaitWork();
    // A node fault strikes a node holding work when there is one (the seed picks which).
    List<String> owners = running.stream().map(r -> r.get(2)).distinct().sorted().toList();
    List<String> candidates = owners.isEmpty() ? cluster.nodeIds() : owners;
    String target = onNode ? candidates.get(step.node() % candidates.size()) : "database";
    List<List<String>> inFlight =
        running.stream().filter(r -> !onNode || r.get(2).equals(target)).toList();
    Instant injected = Instant.now();
    say("%s %s (%d task(s) in flight)", kind.label(), target, inFlight.size());
    switch (kind) {
      case KILL -> cluster.killAndReplace(target);
      case FREEZE -> {
        cluster.freeze(target);
        // Past its lease and the reaper's next look, so its tasks move to other nodes.
        outage(settings.lease().multipliedBy(3).dividedBy(2).plus(step.outage()));
        cluster.thaw(target);
      }
      case CUT -> {
        cluster.cut();
        outage(step.outage());
        cluster.restore();
      }
      case RESTART -> {
        cluster.stopDatabase();
        outage(step.outage());
        cluster.startDatabase();
      }
    }
    Instant healed = Instant.now();
    Instant recovered = awaitRecovery(inFlight, dbNowWithin(settings.recoveryBound()));
    if (recovered == null) {
      say(
          "%s %s: no recovery within %d s",
          kind.label(), target, settings.recoveryBound().toSeconds());
    } else {
      say(
          "%s %s: recovered after %.1f s",
          kind.label(), target, Duration.between(injected, recovered).toMillis() / 1000.0);
    }
    return new Fault(kind, target, injected, healed, recovered);
  }

  /**
   * The pipeline's running tasks (id, fence, owner), once there is at least one or after {@link
   * #WORK_WAIT}: a fault that strikes an idle cluster proves little.
   */
  private List<List<String>> awaitWork() throws InterruptedException {
    long bound = System.nanoTime() + WORK_WAIT.toNanos();
    while (true) {
      keepRunsGoing();
      try {
        List<List<String>> running =
            sql.rows(
                "SELECT id, fence, owner FROM keel.task WHERE pipeline = ? AND state = 'running'"
                    + " AND owner IS NOT NULL ORDER BY id",
                ChaosPipeline.NAME);
        if (!running.isEmpty() || System.nanoTime() > bound) {
          return running;
        }
      } catch (SQLException e) {
        if (System.nanoTime() > bound) {
          return List.of();
        }
      }
      Thread.sleep(WORK_POLL.toMillis());
    }
  }

  /** The fault itself lasting: a sleep on purpose, not a wait for something. */
  private static void outage(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }

  /** Waits until the cluster works again ({@link Recovery}); null if not within the bound. */
  private Instant awaitRecovery(List<List<String>> inFlight, Instant healed)
      throws InterruptedException {
    Recovery recovery = new Recovery(inFlight, cluster.nodeIds(), healed);
    long bound = System.nanoTime() + settings.recoveryBound().toNanos();
    while (System.nanoTime() < bound) {
      keepRunsGoing();
      try {
        if (recovery.reached(sql)) {
          return Instant.now();
        }
      } catch (SQLException e) {
        // the database is still coming back
      }
      Thread.sleep(TICK.toMillis());
    }
    return null;
  }

  /** Lets every run finish (no new ones) and the alerts raised during the faults resolve. */
  private void settle(Instant since) throws InterruptedException {
    Long[] ids;
    try {
      ids = runsSince(since).keySet().toArray(new Long[0]);
    } catch (SQLException e) {
      ids = runs.keySet().toArray(new Long[0]);
    }
    long bound = System.nanoTime() + settings.recoveryBound().multipliedBy(2).toNanos();
    while (System.nanoTime() < bound
        && !query(
            "SELECT count(*) = 0 FROM keel.run WHERE id = ANY (?) AND state IN ('queued', 'running')",
            (Object) ids)) {
      Thread.sleep(TICK.toMillis());
    }
    say("runs finished; waiting for the alerts raised to resolve");
    Invariants invariants = new Invariants(sql, pipeline.rowsPerPartition());
    long alerts = System.nanoTime() + ALERT_SETTLE.toNanos();
    while (System.nanoTime() < alerts) {
      try {
        if (invariants.alertsResolved(since).ok()) {
          return;
        }
      } catch (SQLException e) {
        // try again
      }
      Thread.sleep(TICK.toMillis());
    }
  }

  private void awaitNodes(Instant since) throws InterruptedException {
    String[] nodes = cluster.nodeIds().toArray(new String[0]);
    long bound = System.nanoTime() + NODES_START.toNanos();
    while (!query(
        "SELECT count(*) = ? FROM keel.node WHERE id = ANY (?) AND state = 'alive' AND heartbeat_at > ?",
        nodes.length,
        nodes,
        Timestamp.from(since))) {
      if (System.nanoTime() > bound) {
        throw new IllegalStateException(
            "the nodes did not all start within " + NODES_START.toSeconds() + " s; see their logs");
      }
      Thread.sleep(TICK.toMillis());
    }
  }

  /** A yes/no query; false while the database does not answer. */
  private boolean query(String q, Object... params) {
    try {
      return "t".equals(sql.rows(q, params).get(0).get(0));
    } catch (SQLException e) {
      return false;
    }
  }

  private Instant dbNow() throws SQLException {
    long micros = sql.scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
    return Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
  }

  /** The database's clock, once it answers (after a restart it may take a moment). */
  private Instant dbNowWithin(Duration bound) throws Exception {
    long until = System.nanoTime() + bound.toNanos();
    while (true) {
      try {
        return dbNow();
      } catch (SQLException e) {
        if (System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(TICK.toMillis());
      }
    }
  }

  private void say(String format, Object... args) {
    out.printf("[%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, String.format(format, args));
    out.flush();
  }
}
