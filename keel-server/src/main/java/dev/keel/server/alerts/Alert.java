package dev.keel.server.alerts;

import java.util.Map;

/** One alert to send: trigger or resolve of the incident {@code dedupKey}. */
public record Alert(
    long id,
    String dedupKey,
    String action,
    String kind,
    String pipeline,
    String summary,
    Map<String, Object> details,
    String createdAt) {
  public boolean trigger() {
    return action.equals("trigger");
  }
}
