package dev.keel.server.api;

/**
 * Replays the dead letters of one partition, for {@code POST /api/pipelines/{name}/replay}. The
 * server knows nothing of the engine that reads sources and publishes; the process that serves
 * (keel-cli) supplies this. Without it the action answers 501.
 */
public interface Replays {
  /**
   * Creates the replay run of the rejected records of {@code run} (null: the newest run of {@code
   * pipeline} with rejects in {@code partition}) and starts it; returns once the run exists, not
   * when it ends (its page shows progress). A refusal is an {@link ApiException}: 404 unknown
   * pipeline, 400 unknown partition, 409 nothing to replay or replayed already.
   */
  Started replay(String pipeline, String partition, Long run);

  /** A replay run that was created and started. */
  record Started(long runId, long sourceRun, int records) {}
}
