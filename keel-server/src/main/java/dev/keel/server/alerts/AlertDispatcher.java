package dev.keel.server.alerts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.runtime.Backoff;
import dev.keel.spec.Redactor;
import dev.keel.store.Database;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the alert outbox; any number of nodes may run one. Pending rows are locked with {@code
 * FOR UPDATE SKIP LOCKED} for the whole delivery transaction, so two nodes never send the same row;
 * a node that dies mid-delivery rolls back and another node sends the rows. The one repeat this
 * allows (the node dies after the HTTP call but before its commit) is absorbed by the receivers'
 * dedup_key/alias. Rows of one incident are coalesced against what was last delivered ({@code
 * keel.alert_incident}): however often a condition flapped since the last delivery, at most one
 * trigger and one resolve go out. A failed delivery is retried with backoff; receivers that already
 * took it are remembered in {@code delivered_to} and not sent it again.
 */
public final class AlertDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertDispatcher.class);
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration RETRY_BASE = Duration.ofSeconds(5);
  public static final Duration RETRY_MAX = Duration.ofMinutes(10);
  private static final int BATCH = 100;

  private static final String PENDING =
      """
      SELECT id, dedup_key, action, kind, pipeline, summary, details::text, created_at::text, attempts, delivered_to
      FROM keel.alert_outbox WHERE delivered_at IS NULL AND next_attempt_at <= now()
      ORDER BY id FOR UPDATE SKIP LOCKED LIMIT ?""";
  private static final String INCIDENT =
      """
      INSERT INTO keel.alert_incident (dedup_key, open) VALUES (?, false) ON CONFLICT (dedup_key) DO NOTHING""";
  private static final String LOCK_INCIDENT =
      "SELECT open FROM keel.alert_incident WHERE dedup_key = ? FOR UPDATE";
  private static final String SET_INCIDENT =
      "UPDATE keel.alert_incident SET open = ?, updated_at = now() WHERE dedup_key = ?";
  private static final String DELIVERED =
      """
      UPDATE keel.alert_outbox SET delivered_at = now(), delivered_to = ?, attempts = attempts + 1, last_error = NULL
      WHERE id = ANY (?)""";
  private static final String RETRY_LATER =
      """
      UPDATE keel.alert_outbox SET attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 millisecond',
             last_error = ?, delivered_to = ? WHERE id = ANY (?)""";

  private record Row(Alert alert, int attempts, Set<String> deliveredTo) {}

  private final Database db;
  private final AlertRules rules;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private ScheduledExecutorService loop;

  public AlertDispatcher(Database db, AlertRules rules, HttpClient http) {
    this.db = db;
    this.rules = rules;
    this.http = http;
  }

  /** Delivers what is due; returns the number of HTTP messages that were accepted. */
  public int runOnce() {
    return db.inTransaction(
        "delivering alerts",
        c -> {
          Map<String, List<Row>> byKey = new LinkedHashMap<>();
          for (Row r : pending(c)) {
            byKey.computeIfAbsent(r.alert().dedupKey(), k -> new ArrayList<>()).add(r);
          }
          int sent = 0;
          for (Map.Entry<String, List<Row>> e : byKey.entrySet()) {
            sent += deliver(c, e.getKey(), e.getValue());
          }
          return sent;
        });
  }

  private int deliver(Connection c, String key, List<Row> rows) throws SQLException {
    boolean open = lockIncident(c, key);
    List<Alert> messages = new ArrayList<>();
    Alert firstTrigger =
        rows.stream().map(Row::alert).filter(Alert::trigger).findFirst().orElse(null);
    Alert last = rows.get(rows.size() - 1).alert();
    boolean state = open;
    if (!state && firstTrigger != null) {
      messages.add(firstTrigger);
      state = true;
    }
    if (state && !last.trigger()) {
      messages.add(last);
      state = false;
    }
    Set<String> done = new HashSet<>(rows.get(0).deliveredTo());
    rows.forEach(r -> done.retainAll(r.deliveredTo()));
    String error = null;
    int sent = 0;
    for (Receiver receiver : rules.receiversFor(last)) {
      if (done.contains(receiver.name())) {
        continue;
      }
      try {
        for (Alert m : messages) {
          send(receiver, m);
          sent++;
        }
        done.add(receiver.name());
      } catch (IOException | RuntimeException ex) {
        error = receiver + ": " + ex.getMessage();
        log.warn(
            "alert {} ({}) not delivered to {}: {}; will retry",
            key,
            last.action(),
            receiver,
            ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        error = receiver + ": interrupted";
        break;
      }
    }
    Long[] ids = rows.stream().map(r -> r.alert().id()).toArray(Long[]::new);
    Array doneArray = c.createArrayOf("text", done.toArray());
    if (error == null) {
      update(c, DELIVERED, doneArray, c.createArrayOf("bigint", ids));
      try (PreparedStatement ps = c.prepareStatement(SET_INCIDENT)) {
        ps.setBoolean(1, state);
        ps.setString(2, key);
        ps.executeUpdate();
      }
      if (!messages.isEmpty()) {
        log.info("alert {} delivered: {}", key, messages.stream().map(Alert::action).toList());
      }
    } else {
      int attempts = rows.stream().mapToInt(Row::attempts).max().orElse(0) + 1;
      Duration wait = Backoff.delay(attempts, RETRY_BASE, RETRY_MAX, ThreadLocalRandom.current());
      try (PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
        ps.setLong(1, wait.toMillis());
        ps.setString(2, Redactor.mask(error));
        ps.setArray(3, doneArray);
        ps.setArray(4, c.createArrayOf("bigint", ids));
        ps.executeUpdate();
      }
    }
    return sent;
  }

  private void send(Receiver receiver, Alert alert) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(receiver.request(alert), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException(
          "HTTP " + r.statusCode() + " " + r.body().substring(0, Math.min(200, r.body().length())));
    }
  }

  private List<Row> pending(Connection c) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(PENDING)) {
      ps.setInt(1, BATCH);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> details;
          try {
            details = json.readValue(rs.getString(7), new TypeReference<Map<String, Object>>() {});
          } catch (IOException e) {
            details = Map.of();
          }
          Alert a =
              new Alert(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  details,
                  rs.getString(8));
          out.add(
              new Row(
                  a,
                  rs.getInt(9),
                  new HashSet<>(Arrays.asList((String[]) rs.getArray(10).getArray()))));
        }
      }
    }
    return out;
  }

  private static boolean lockIncident(Connection c, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(INCIDENT)) {
      ps.setString(1, key);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(LOCK_INCIDENT)) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static void update(Connection c, String sql, Array done, Array ids) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, done);
      ps.setArray(2, ids);
      ps.executeUpdate();
    }
  }

  /**
   * Runs {@link #runOnce()} every {@code interval} on a daemon thread; errors are logged and the
   * loop goes on.
   */
  public AlertDispatcher start(Duration interval) {
    loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keel-alerts");
              t.setDaemon(true);
              return t;
            });
    loop.scheduleWithFixedDelay(
        () -> {
          try {
            runOnce();
          } catch (RuntimeException e) {
            log.warn("alert delivery failed: {}", e.getMessage());
          }
        },
        0,
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.shutdownNow();
    }
  }
}
