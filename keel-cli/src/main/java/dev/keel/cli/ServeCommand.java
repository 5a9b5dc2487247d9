package dev.keel.cli;

import dev.keel.server.KeelServer;
import dev.keel.server.alerts.AlertDispatcher;
import dev.keel.server.alerts.AlertRules;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.spec.SecretResolver;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    description =
        "Serve the REST API, /metrics and /health on the metadata database, until stopped. Runs no tasks.")
final class ServeCommand implements Callable<Integer> {
  @Mixin DbOptions db;

  @Mixin HttpOptions http;

  @picocli.CommandLine.Option(
      names = "--alerts",
      paramLabel = "FILE",
      description =
          "Deliver the alert outbox to the receivers of this alerts file (PagerDuty, Opsgenie, Slack, webhook).")
  Path alerts;

  @Spec picocli.CommandLine.Model.CommandSpec cmd;

  @Override
  public Integer call() throws InterruptedException {
    LogFormat.jsonByDefault();
    try (DbOptions.Opened opened = db.open(4);
        KeelServer server =
            http.server(opened.store(), KeelMetrics.prometheus(), KeelServer.DEFAULT_PORT).start();
        AlertDispatcher dispatcher =
            alerts == null
                ? null
                : new AlertDispatcher(
                        opened.store().db(),
                        AlertRules.read(alerts, SecretResolver.system()),
                        HttpClient.newHttpClient())
                    .start(AlertDispatcher.DEFAULT_INTERVAL)) {
      cmd.commandLine()
          .getOut()
          .printf("keel: serving on port %d (Ctrl-C to stop)%n", server.port());
      cmd.commandLine().getOut().flush();
      new CountDownLatch(1).await();
      return ExitCodes.OK;
    }
  }
}
