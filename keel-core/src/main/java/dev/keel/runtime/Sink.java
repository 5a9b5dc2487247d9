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
   * How many times this sink has noticed its server restart (crash, restart, failover) so far: an
   * attempt notes it when it begins, to ask {@link #wentAwaySince} if it fails.
   */
  default long restarts() {
    return 0;
  }

  /**
   * Whether the sink went away since {@link #restarts()} was {@code restartsBefore}, rather than
   * one connection breaking: asked after an attempt lost its connection to the sink. True when the
   * sink cannot be reached now, or its server has restarted since (noticed by this call or an
   * earlier one); the attempt was then the victim of an outage and is not counted against the task.
   * False when the same server has answered all along (a blip on one connection), or when the sink
   * cannot tell.
   */
  default boolean wentAwaySince(long restartsBefore) {
    return false;
  }

  /**
   * The history of loads, when this sink keeps versions ({@code keep_versions}); empty otherwise.
   * Needs {@link #prepare()} first.
   */
  default java.util.Optional<LoadHistory> history() {
    return java.util.Optional.empty();
  }

  /**
   * Which server the sink writes to now, as a text that changes when another server takes over (a
   * promoted standby): for PostgreSQL its system identifier and current timeline. Null when the
   * sink cannot tell, or its server is not writable now.
   */
  default String serverIdentity() {
    return null;
  }

  /**
   * Of the load ids of published partitions given ({@link TaskRef#loadId()}), those whose publish
   * the sink holds no record of now: after a failover to a replica that never received their
   * commit. Empty when the sink cannot tell.
   */
  default java.util.Set<String> missingLoads(java.util.Collection<String> loadIds) {
    return java.util.Set.of();
  }

  /**
   * Every partition's position in {@code stream} as the last publishes stored it ({@link
   * SinkSession#storePosition}): partition → position, empty when none was stored yet.
   *
   * @throws UnsupportedOperationException when this sink does not store positions
   * @throws dev.keel.KeelException when the sink cannot be read now
   */
  default java.util.Map<String, String> storedPositions(String stream) {
    throw new UnsupportedOperationException("this sink does not store source positions");
  }

  @Override
  void close();
}
