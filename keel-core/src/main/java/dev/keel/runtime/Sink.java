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

  /**
   * Whether the sink went away in the last {@code within} rather than one connection breaking:
   * asked after an attempt of that age lost its connection to the sink. True when the sink cannot
   * be reached now, or its server started less than {@code within} ago (it crashed, restarted or
   * failed over), judged by the server's own clock; the attempt was then the victim of an outage
   * and is not counted against the task. False when the sink has answered all along (a blip on one
   * connection), or when the sink cannot tell.
   */
  default boolean wentAwayWithin(java.time.Duration within) {
    return false;
  }

  @Override
  void close();
}
