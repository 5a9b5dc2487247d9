package dev.keel.runtime;

/**
 * Where a pipeline publishes. Staging and publishing are separate so that nothing reaches the
 * target before validation has passed: the publish is one transaction, fenced.
 */
public interface Sink extends AutoCloseable {
  /** Creates the target when missing, or checks that the existing one fits; once per run. */
  void prepare();

  /**
   * Records that {@code fence} is now the newest claim of this partition: a publish carrying an
   * older token is refused from now on. Called right after a claim, before any work.
   */
  void fence(String partition, long fence);

  /** Starts staging one attempt. */
  SinkSession begin(TaskRef task);

  @Override
  void close();
}
