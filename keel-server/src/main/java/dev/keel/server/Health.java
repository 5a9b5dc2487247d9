package dev.keel.server;

import dev.keel.spec.JdbcUrls;
import dev.keel.store.MetadataStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Readiness: the metadata database answers within {@link #TIMEOUT}, every migration this code knows
 * is applied, and the serving process has no reason of its own to refuse work (a node that drains
 * or cannot heartbeat). The check runs off the request thread with a deadline, because the pool
 * waits far longer than a probe should for a connection to a dead database.
 */
final class Health {
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  record Result(boolean ready, Map<String, Object> body) {}

  private final MetadataStore store;
  private final Supplier<String> notReady;

  Health(MetadataStore store, Supplier<String> notReady) {
    this.store = store;
    this.notReady = notReady;
  }

  Result ready() {
    Map<String, Object> body = new LinkedHashMap<>();
    try {
      int pending =
          CompletableFuture.supplyAsync(
                  () -> {
                    store
                        .db()
                        .withConnection(
                            "checking the database", c -> c.isValid((int) TIMEOUT.toSeconds()));
                    return store.pendingMigrations();
                  })
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (pending > 0) {
        body.put("status", "not ready");
        body.put(
            "reason",
            pending
                + " metadata migration(s) pending or failed; start a node of this version to apply them");
        return new Result(false, body);
      }
      String reason = notReady.get();
      if (reason != null) {
        body.put("status", "not ready");
        body.put("reason", reason);
        return new Result(false, body);
      }
      body.put("status", "ready");
      body.put("database", store.db().description());
      return new Result(true, body);
    } catch (TimeoutException e) {
      body.put("status", "not ready");
      body.put(
          "reason", "the metadata database did not answer within " + TIMEOUT.toSeconds() + "s");
    } catch (ExecutionException e) {
      body.put("status", "not ready");
      body.put(
          "reason",
          "the metadata database is unreachable: "
              + JdbcUrls.redact(String.valueOf(e.getCause().getMessage())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      body.put("status", "not ready");
      body.put("reason", "interrupted");
    }
    return new Result(false, body);
  }
}
