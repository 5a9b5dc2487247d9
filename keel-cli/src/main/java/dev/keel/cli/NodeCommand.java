package dev.keel.cli;

import dev.keel.engine.backup.BackupPlace;
import dev.keel.engine.backup.ScheduledBackups;
import dev.keel.engine.node.ClusterNode;
import dev.keel.engine.node.NodeConfig;
import dev.keel.server.KeelServer;
import dev.keel.server.alerts.AlertDispatcher;
import dev.keel.server.alerts.AlertRules;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.spec.AlertChecks;
import dev.keel.spec.Regions;
import dev.keel.spec.SecretResolver;
import dev.keel.spec.SpecException;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.store.NodeSession;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "node",
    description =
        "Join the cluster: schedule, claim and execute tasks until SIGTERM, then drain and exit 0.")
final class NodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

  /** While the database is not reachable at start, try again this often. */
  static final Duration CONNECT_RETRY = Duration.ofSeconds(2);

  @Mixin DbOptions db;

  @Option(
      names = "--pipelines",
      paramLabel = "DIR",
      description = "Folder of pipeline files (*.yaml), rescanned for changes.")
  Path pipelines;

  @Option(
      names = "--node-id",
      paramLabel = "ID",
      description = "This node's id (default: host-pid).")
  String nodeId;

  @Mixin HttpOptions http;

  @Option(
      names = "--region",
      paramLabel = "NAME",
      description =
          "This node's region ([a-z0-9-]{1,32}); a pipeline with regions: [a, b] runs on the nodes of the"
              + " first listed region that has a live node. Default: none (only pipelines without regions).")
  String region;

  @Option(
      names = "--backup-to",
      paramLabel = "DEST",
      description =
          "Back up the configuration (keel export) to a new timestamped folder under DEST, a folder or s3://bucket/prefix, every --backup-every; one node of the cluster takes each backup.")
  String backupTo;

  @Option(
      names = "--backup-every",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often to back up with --backup-to (default: ${DEFAULT-VALUE}).",
      defaultValue = "1h")
  Duration backupEvery;

  @Option(
      names = "--alerts",
      paramLabel = "FILE",
      description =
          "Deliver the alert outbox to the receivers of this alerts file (any node may send; each alert goes out once).")
  Path alerts;

  @Option(
      names = "--publish-recheck",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "After a sink fails over to another server, re-check the partitions published this far back"
              + " and run again those the new server lost (default 1h).")
  Duration publishRecheck = NodeConfig.DEFAULT_PUBLISH_RECHECK;

  @Option(
      names = "--workers",
      paramLabel = "N",
      converter = WorkerCount.class,
      description = "Tasks executed at once (default ${DEFAULT-VALUE}).")
  int workers = NodeConfig.DEFAULT_WORKERS;

  @Option(
      names = "--claim-batch",
      paramLabel = "N",
      description = "Most tasks taken in one claim (default: --workers).")
  int claimBatch = 0;

  @Option(
      names = "--lease",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long a claim holds without renewal; a dead node's tasks move after about this long (default 10s).")
  Duration lease = NodeConfig.DEFAULT_LEASE;

  @Option(
      names = "--heartbeat",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Heartbeat and lease renewal interval, at most a third of the lease (default 2s).")
  Duration heartbeat = NodeConfig.DEFAULT_HEARTBEAT;

  @Option(
      names = "--poll",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often an idle node looks for due tasks (default 500ms).")
  Duration poll = NodeConfig.DEFAULT_POLL;

  @Option(
      names = "--reap-every",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How often the node looks for tasks of dead nodes and expired leases (default ${DEFAULT-VALUE}).")
  Duration reapEvery = NodeConfig.DEFAULT_REAP_EVERY;

  @Option(
      names = "--session-grace",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long another node's database session may be gone before its tasks are taken over: a"
              + " live node whose connection was reset takes it again within this (default 500ms).")
  Duration sessionGrace = NodeSession.GRACE;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "On SIGTERM, how long tasks in hand may take to finish before they are released (default 30s).")
  Duration drainTimeout = NodeConfig.DEFAULT_DRAIN_TIMEOUT;

  @Option(
      names = "--catch-up",
      paramLabel = "N",
      description =
          "After the cluster was down, run at most the newest N missed ticks per pipeline (default 1), or"
              + " create at most the newest N missed windows of a time-partitioned pipeline (default 10;"
              + " keel status lists the rest as skipped).")
  Integer catchUp;

  /**
   * Fault injection for tests: keep working after losing a lease, so only the sink's fence stops
   * the zombie.
   */
  @Option(names = "--fault-ignore-lease-loss", hidden = true)
  boolean ignoreLeaseLoss;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws Exception {
    LogFormat.jsonByDefault();
    if (pipelines != null && !Files.isDirectory(pipelines)) {
      cmd.commandLine()
          .getErr()
          .println("keel node: --pipelines " + pipelines + " is not a folder");
      return ExitCodes.BAD_INPUT;
    }
    if (region != null && Regions.problem(region) != null) {
      cmd.commandLine().getErr().println("keel node: --region: " + Regions.problem(region));
      return ExitCodes.BAD_INPUT;
    }
    if (backupTo != null && backupEvery.compareTo(ScheduledBackups.MIN_EVERY) < 0) {
      cmd.commandLine()
          .getErr()
          .println(
              "keel node: --backup-every "
                  + backupEvery
                  + " is too short; back up at most every "
                  + ScheduledBackups.MIN_EVERY.toSeconds()
                  + " s (1h or 1d is usual)");
      return ExitCodes.BAD_INPUT;
    }
    // Read before connecting: a bad alerts file is bad input, not something to retry.
    AlertRules rules;
    try {
      rules = alerts == null ? null : AlertRules.read(alerts, SecretResolver.system());
    } catch (SpecException e) {
      cmd.commandLine().getErr().println("keel node: --alerts " + alerts + ":\n" + e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
    String id = nodeId != null ? nodeId : ClusterNodeIds.defaultId();
    DbOptions.Opened opened = openWithRetry(workers * 2 + 4);
    PrometheusMeterRegistry registry = KeelMetrics.prometheus();
    if (region != null) {
      // Every metric of this node carries its region, so a dashboard can sum or split by it.
      registry.config().commonTags("region", region);
    }
    AtomicReference<ClusterNode> started = new AtomicReference<>();
    // Serve before the node registers, so the node row carries the real port (--http-port 0 picks
    // one).
    // On the embedded default a node is the one-command local deployment: it serves HTTP without
    // being asked.
    KeelServer server =
        !http.enabled() && !db.embedded()
            ? null
            : serve(
                opened,
                registry,
                () ->
                    started.get() == null
                        ? "node " + id + " is starting"
                        : started.get().notReadyReason());
    NodeConfig config =
        NodeConfig.builder(id)
            .pipelines(pipelines == null ? null : pipelines.toAbsolutePath().normalize())
            .workers(workers)
            .claimBatch(claimBatch)
            .lease(lease)
            .heartbeat(heartbeat)
            .poll(poll)
            .reapEvery(reapEvery)
            .sessionGrace(sessionGrace)
            .drainTimeout(drainTimeout)
            .catchUp(catchUp == null ? NodeConfig.DEFAULT_CATCH_UP : catchUp)
            .windowCatchUp(catchUp == null ? NodeConfig.DEFAULT_WINDOW_CATCH_UP : catchUp)
            .httpPort(server == null ? null : server.port())
            .ignoreLeaseLoss(ignoreLeaseLoss)
            .alertChecks(rules == null ? AlertChecks.DEFAULT : rules.checks())
            .region(region)
            .publishRecheck(publishRecheck)
            .build();
    String url = opened.embedded() != null ? opened.embedded().jdbcUrl() : db.url();
    Database coordinationDb = new Database(url, null, null, 2, "keel-coordination");
    ClusterNode node =
        new ClusterNode(
            opened.store(),
            MetadataStore.attach(coordinationDb),
            config,
            new KeelMetrics(registry));
    node.start();
    started.set(node);
    ScheduledBackups backups =
        backupTo == null
            ? null
            : new ScheduledBackups(
                opened.store(), id, backupTo, BackupPlace.at(backupTo), backupEvery);
    if (backups != null) {
      backups.start();
    }
    AlertDispatcher dispatcher =
        rules == null
            ? null
            : new AlertDispatcher(opened.store().db(), rules, HttpClient.newHttpClient())
                .start(AlertDispatcher.DEFAULT_INTERVAL);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    // /health/ready answers 503 while draining; the alert outbox is served until
                    // the tasks in hand are done.
                    if (backups != null) {
                      backups.close();
                    }
                    node.drain();
                    if (dispatcher != null) {
                      dispatcher.close();
                    }
                    if (server != null) {
                      server.stop();
                    }
                    coordinationDb.close();
                    opened.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (RuntimeException e) {
                    log.error("drain failed: {}", e.toString(), e);
                  }
                  // A drained node exits 0 (the JVM would report 143 for SIGTERM otherwise).
                  Runtime.getRuntime().halt(ExitCodes.OK);
                },
                "keel-drain"));
    Thread.currentThread().join();
    return ExitCodes.OK;
  }

  /**
   * Starts the HTTP server. A port given with --http-port must be free; the embedded default's port
   * ({@link KeelServer#DEFAULT_PORT}) falls back to any free one when taken (a second node on one
   * machine), and the URL printed says which.
   */
  private KeelServer serve(
      DbOptions.Opened opened,
      PrometheusMeterRegistry registry,
      java.util.function.Supplier<String> notReady) {
    KeelServer server;
    try {
      server =
          http.builder(opened.store(), registry, KeelServer.DEFAULT_PORT)
              .notReady(notReady)
              .build()
              .start();
    } catch (RuntimeException e) {
      if (http.enabled()
          || !(e instanceof io.javalin.util.JavalinBindException
              || e.getCause() instanceof java.net.BindException)) {
        throw e;
      }
      log.warn(
          "port {} is in use; serving HTTP on a free port instead (choose one with --http-port N)",
          KeelServer.DEFAULT_PORT);
      server = http.builder(opened.store(), registry, 0).notReady(notReady).build().start();
    }
    String host = http.host.equals("0.0.0.0") ? "localhost" : http.host;
    var out = cmd.commandLine().getOut();
    String scheme = http.tlsCert == null ? "http" : "https";
    out.printf(
        "keel node: serving %s://%s:%d/ (the web UI; the REST API under /api, /metrics, /health); Ctrl-C drains and stops%n",
        scheme, host, server.port());
    out.printf(
        "keel node: sign in to the UI or call the API with a token: keel token create --role viewer (or operator, to act),"
            + " then curl -H 'Authorization: Bearer TOKEN' %s://%s:%d/api/runs%n",
        scheme, host, server.port());
    out.flush();
    return server;
  }

  private DbOptions.Opened openWithRetry(int pool) throws InterruptedException {
    int tries = 0;
    while (true) {
      try {
        return db.open(pool);
      } catch (BadInputException e) {
        throw e; // a malformed URL does not heal by waiting
      } catch (RuntimeException e) {
        if (db.url() == null) {
          throw e;
        }
        if (tries++ == 0) {
          log.warn(
              "metadata database not reachable yet ({}); retrying every {} s",
              e.getMessage(),
              CONNECT_RETRY.toSeconds());
        }
        Thread.sleep(CONNECT_RETRY.toMillis());
      }
    }
  }

  /** Default node ids. */
  static final class ClusterNodeIds {
    private ClusterNodeIds() {}

    static String defaultId() {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        host = "localhost";
      }
      return host + "-" + ProcessHandle.current().pid();
    }
  }
}
