package dev.keel.server.api;

import dev.keel.store.MetadataStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pause, resume and retry, with one set of rules for the REST API, the web UI and the command line
 * ({@code keel pause|resume|retry}). A refusal is an {@link ApiException} with the status the API
 * answers (400 bad attempts, 404 unknown pipeline or task, 409 a task that has not failed); the
 * command line turns each into exit code 2, nothing changed.
 */
public final class PipelineControl {
  private static final Logger log = LoggerFactory.getLogger(PipelineControl.class);
  public static final int MAX_RETRY_ATTEMPTS = 100;

  /**
   * Attempt numbers keep counting (task_attempt keeps every attempt's history under its number), so
   * a retry grants {@code n} more attempts on top of those spent instead of resetting the count.
   */
  private static final String RETRY =
      """
      UPDATE keel.task SET state = 'queued', due_at = now(), error = NULL, finished_at = NULL, owner = NULL,
             lease_until = NULL, max_attempts = attempt + ?
      WHERE id = ? AND state = 'failed' RETURNING run_id, pipeline, partition, max_attempts""";

  private static final String PAUSE =
      """
      INSERT INTO keel.pipeline_pause (pipeline, paused_by) VALUES (?, ?) ON CONFLICT (pipeline) DO NOTHING""";
  private static final String RESUME = "DELETE FROM keel.pipeline_pause WHERE pipeline = ?";
  private static final String KNOWN =
      "SELECT 1 FROM keel.pipeline_version WHERE pipeline = ? LIMIT 1";

  /** A task put back in the queue. */
  public record Retried(
      long taskId, long runId, String pipeline, String partition, int maxAttempts) {}

  private final MetadataStore store;

  public PipelineControl(MetadataStore store) {
    this.store = store;
  }

  /**
   * Pauses {@code name}: its queued tasks are not claimed until it is resumed; running ones finish.
   * Idempotent.
   */
  public void pause(String name, String by) {
    known(name);
    store
        .db()
        .inTransaction(
            "pausing " + name,
            c -> {
              try (PreparedStatement ps = c.prepareStatement(PAUSE)) {
                ps.setString(1, name);
                ps.setString(2, by);
                return ps.executeUpdate();
              }
            });
    log.info(
        "pipeline {} paused by {}: its queued tasks are not claimed until it is resumed", name, by);
  }

  /** Resumes {@code name}. Idempotent. */
  public void resume(String name, String by) {
    known(name);
    store
        .db()
        .inTransaction(
            "resuming " + name,
            c -> {
              try (PreparedStatement ps = c.prepareStatement(RESUME)) {
                ps.setString(1, name);
                return ps.executeUpdate();
              }
            });
    log.info("pipeline {} resumed by {}", name, by);
  }

  /** Queues failed task {@code id} again with {@code attempts} more attempts. */
  public Retried retry(long id, int attempts, String by) {
    if (attempts < 1 || attempts > MAX_RETRY_ATTEMPTS) {
      throw ApiException.badRequest("attempts must be an integer from 1 to " + MAX_RETRY_ATTEMPTS);
    }
    Retried task =
        store
            .db()
            .inTransaction(
                "retrying task " + id,
                c -> {
                  try (PreparedStatement ps = c.prepareStatement(RETRY)) {
                    ps.setInt(1, attempts);
                    ps.setLong(2, id);
                    try (ResultSet rs = ps.executeQuery()) {
                      if (rs.next()) {
                        return new Retried(
                            id, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4));
                      }
                    }
                  }
                  List<Map<String, Object>> existing =
                      Rows.list(c, "SELECT state FROM keel.task WHERE id = ?", id);
                  if (existing.isEmpty()) {
                    throw ApiException.notFound("task " + id);
                  }
                  throw new ApiException(
                      409,
                      "task "
                          + id
                          + " is "
                          + existing.get(0).get("state")
                          + "; only a failed task can be retried");
                });
    store.runs().refresh(task.runId());
    log.info(
        "task {} ({}/{}) queued again by {} with {} more attempt(s)",
        id,
        task.pipeline(),
        task.partition(),
        by,
        attempts);
    return task;
  }

  private void known(String name) {
    boolean known =
        store.db().withConnection("looking up " + name, c -> !Rows.list(c, KNOWN, name).isEmpty());
    if (!known) {
      throw ApiException.notFound(
          "pipeline '" + name + "' (no version of it was ever stored; run or deploy it first)");
    }
  }
}
