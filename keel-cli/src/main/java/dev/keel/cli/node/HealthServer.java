package dev.keel.cli.node;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code /health/live} (the process answers) and {@code /health/ready} (heartbeats succeed and the
 * node is not draining), on the JDK's HTTP server until the full API exists.
 */
final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  HealthServer(int port, BooleanSupplier ready) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/health/live", ex -> answer(ex, 200, "live"));
    server.createContext("/health/ready", ex -> {
      boolean ok = ready.getAsBoolean();
      answer(ex, ok ? 200 : 503, ok ? "ready" : "not ready");
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(com.sun.net.httpserver.HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
