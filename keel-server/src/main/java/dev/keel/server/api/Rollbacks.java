package dev.keel.server.api;

import dev.keel.runtime.LoadHistory;
import java.util.List;

/**
 * The loads of a pipeline's sink and rollbacks to them, for {@code keel history|rollback} and
 * {@code GET /api/pipelines/{name}/history}, {@code POST /api/pipelines/{name}/rollback}. The
 * server knows nothing of sinks; the process that serves (keel-cli) supplies this. Without it those
 * routes answer 501.
 */
public interface Rollbacks {
  /**
   * The kept loads of {@code pipeline} (partition null: all), newest first. 404 unknown pipeline,
   * 400 unknown partition or a sink without keep_versions.
   */
  List<LoadHistory.Load> history(String pipeline, String partition);

  /**
   * Restores {@code partition} to what it held right after run {@code run} published it; null when
   * that is the newest load already. 404 unknown pipeline or run, 400 unknown partition, a run of
   * another pipeline or a sink without keep_versions, 409 a run that did not publish the partition
   * or whose load is no longer kept.
   */
  LoadHistory.Load rollback(String pipeline, String partition, long run);
}
