package dev.keel.server.api;

import dev.keel.store.Database;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/alerts}: the incidents open now and the newest alerts of the outbox, delivered or
 * not.
 */
public final class AlertReads {
  private static final String OPEN =
      """
      SELECT i.dedup_key, i.updated_at AS since, o.kind, o.pipeline, o.summary
      FROM keel.alert_incident i
      LEFT JOIN LATERAL (SELECT kind, pipeline, summary FROM keel.alert_outbox WHERE dedup_key = i.dedup_key AND action = 'trigger'
                         ORDER BY id DESC LIMIT 1) o ON true
      WHERE i.open ORDER BY i.updated_at DESC""";
  private static final String HISTORY =
      """
      SELECT id, dedup_key, action, kind, pipeline, summary, created_at, attempts, delivered_at, delivered_to, last_error
      FROM keel.alert_outbox ORDER BY id DESC LIMIT ?""";

  private final Database db;

  public AlertReads(Database db) {
    this.db = db;
  }

  public void alerts(Context ctx) {
    int limit = ReadApi.limit(ctx, ReadApi.DEFAULT_LIMIT);
    ctx.json(
        db.withConnection(
            "listing alerts",
            c -> {
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("open", Rows.list(c, OPEN));
              out.put("history", Rows.list(c, HISTORY, limit));
              return out;
            }));
  }
}
