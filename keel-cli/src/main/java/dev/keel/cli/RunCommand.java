package dev.keel.cli;

import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.runtime.RuntimeEvents;
import dev.keel.runtime.Sink;
import dev.keel.server.KeelServer;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.TaskRow;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description =
        "Run a pipeline's partitions now, in this process. Exit 0 all succeeded, 1 any failed, 2 bad input.")
final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE.yaml")
  Path file;

  @Option(
      names = "--partition",
      paramLabel = "P",
      description = "Run only this partition (repeatable). Default: all.")
  List<String> partitions = new ArrayList<>();

  @Option(
      names = "--workers",
      paramLabel = "N",
      converter = WorkerCount.class,
      description = "Partitions run in parallel (default: number of CPUs).")
  int workers = Runtime.getRuntime().availableProcessors();

  @Mixin DbOptions db;

  @Mixin HttpOptions http;

  @Option(
      names = "--sink-outage-wait",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "While the sink database is unreachable, its tasks wait (no attempt spent) and one tries again after this (default: 30s).")
  java.time.Duration sinkOutageWait = dev.keel.engine.SinkBreakers.DEFAULT_WAIT;

  @Option(
      names = "--serve",
      description = "After the run, keep serving HTTP (--http-port, default 8080) until stopped.")
  boolean serve;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws InterruptedException {
    PipelineSpec whole = new SpecReader().read(file);
    PrintWriter out = cmd.commandLine().getOut();
    // A buffered pipeline runs its extract stage, then one run of its load stage (all the buffer's
    // partitions); a node runs the load stage continuously instead.
    List<PipelineSpec> stages = BufferStages.split(whole);
    List<List<String>> chosen = new java.util.ArrayList<>();
    for (PipelineSpec spec : stages) {
      chosen.add(
          BufferStages.isLoad(spec)
              ? dev.keel.connector.Connectors.installed().partitionsOf(spec)
              : RunPartitions.choose(spec, partitions));
      if (!BufferStages.isLoad(spec)) {
        SourceChecks.check(spec, chosen.get(chosen.size() - 1));
      }
    }
    int parallel =
        Math.max(1, Math.min(workers, chosen.stream().mapToInt(List::size).max().orElse(1)));
    try (DbOptions.Opened opened = db.open(parallel + 4)) {
      PrometheusMeterRegistry registry = http.enabled() || serve ? KeelMetrics.prometheus() : null;
      RuntimeEvents events = registry == null ? RuntimeEvents.NONE : new KeelMetrics(registry);
      try (KeelServer server =
          registry == null
              ? null
              : http.server(opened.store(), registry, KeelServer.DEFAULT_PORT).start()) {
        int exit = ExitCodes.OK;
        for (int i = 0; i < stages.size() && exit == ExitCodes.OK; i++) {
          exit = runStage(opened, events, stages.get(i), chosen.get(i), parallel, out);
        }
        if (serve) {
          out.printf("keel: serving on port %d (Ctrl-C to stop)%n", server.port());
          out.flush();
          new java.util.concurrent.CountDownLatch(1).await();
        }
        return exit;
      }
    }
  }

  private int runStage(
      DbOptions.Opened opened,
      RuntimeEvents events,
      PipelineSpec spec,
      List<String> chosen,
      int parallel,
      PrintWriter out)
      throws InterruptedException {
    try (Sink sink = SinkFactory.create(spec, opened.store().db())) {
      sink.prepare();
      LocalRun run =
          LocalRun.builder(opened.store()).events(events).sinkOutageWait(sinkOutageWait).build();
      long runId = run.create(spec, chosen);
      run.execute(runId, spec, sink, parallel);
      List<TaskRow> rows = opened.store().tasks().ofRun(runId);
      RunSummary.print(out, spec, runId, rows);
      return rows.stream().allMatch(r -> r.state().equals("succeeded"))
          ? ExitCodes.OK
          : ExitCodes.FAILED;
    }
  }
}
