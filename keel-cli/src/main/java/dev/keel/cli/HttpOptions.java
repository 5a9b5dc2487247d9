package dev.keel.cli;

import dev.keel.server.KeelServer;
import dev.keel.store.MetadataStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Option;

/**
 * {@code --http-port}, {@code --http-host} and {@code --open-reads}, shared by the commands that
 * serve HTTP.
 */
public final class HttpOptions {
  @Option(
      names = "--http-port",
      paramLabel = "N",
      description =
          "Serve /metrics, /health and the REST API on this port (0: any free port). keel node on the embedded default serves on 8080 without it.")
  Integer port;

  @Option(
      names = "--http-host",
      paramLabel = "HOST",
      description = "Address to listen on (default 0.0.0.0).")
  String host = "0.0.0.0";

  @Option(
      names = "--open-reads",
      description =
          "Let GET requests under /api through without a token (actions still need an operator token).")
  boolean openReads;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Serve HTTPS only, with this PEM certificate (chain); needs --tls-key.")
  java.nio.file.Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The PEM PKCS#8 private key (BEGIN PRIVATE KEY) of --tls-cert.")
  java.nio.file.Path tlsKey;

  boolean enabled() {
    return port != null;
  }

  KeelServer server(MetadataStore store, PrometheusMeterRegistry registry, int defaultPort) {
    return builder(store, registry, defaultPort).build();
  }

  KeelServer.Builder builder(
      MetadataStore store, PrometheusMeterRegistry registry, int defaultPort) {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new BadInputException("--tls-cert and --tls-key go together");
    }
    return KeelServer.builder(store, registry)
        .host(host)
        .port(port == null ? defaultPort : port)
        .openReads(openReads)
        .tls(tlsCert, tlsKey)
        .replays(new ServerReplays(store))
        .rollbacks(new SinkRollbacks(store));
  }
}
