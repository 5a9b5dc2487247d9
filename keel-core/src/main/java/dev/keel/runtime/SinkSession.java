package dev.keel.runtime;

import java.util.function.LongPredicate;

/** One attempt's staged rows; closing without {@link #publish} leaves the target untouched. */
public interface SinkSession extends AutoCloseable {
  /** Stages one validated record (values in declared-column order). */
  void stage(long position, Object[] values);

  /**
   * Publishes the staged rows in one transaction that first checks the fence and the load id. Rows
   * whose key repeats an earlier one are rejected (the first by source position wins), and so are
   * rows the target refuses for breaking one of its constraints (a CHECK, a foreign key, …). {@code
   * stillWithinLimit} is asked with the count the publish rejected so far (after the repeated keys,
   * then after each refused row), and a false answer rolls everything back.
   *
   * @return what was published, or that this run's partition was already published (an in-doubt
   *     commit of an earlier attempt), in which case nothing is written again
   * @throws FenceRefusedException when a newer claim of the partition exists
   */
  PublishResult publish(Rejects rejects, LongPredicate stillWithinLimit);

  /**
   * Called before {@link #publish} when the source yielded no record at all (zero read, not zero
   * kept: records filtered or rejected were read). A sink whose publish would then delete rows
   * (replace) throws {@link EmptySourceException} saying how many, unless the pipeline allows an
   * empty source, so that an emptied or truncated file never wipes a target by accident.
   */
  default void checkEmptySource() {}

  /**
   * The checkpoint that an earlier attempt at this run's partition committed with its last chunk,
   * or null (nothing published yet, or the sink does not commit in chunks).
   */
  default Checkpoint resumePoint() {
    return null;
  }

  /**
   * Publishes the rows staged since the last chunk, fenced, in one transaction together with the
   * checkpoint {@code at} (totals before this chunk; the sink adds the chunk's own), then goes on
   * staging in a new transaction.
   */
  default PublishResult publishChunk(
      Checkpoint at, Rejects rejects, LongPredicate stillWithinLimit) {
    throw new UnsupportedOperationException("this sink does not commit in chunks");
  }

  /**
   * The position that the last publish of this partition stored for {@code stream} ({@link
   * #storePosition}), or null when none did: where a source that continues across runs starts.
   */
  default String storedPosition(String stream) {
    return null;
  }

  /**
   * Makes the next {@link #publish} (or chunk) store {@code position} as this partition's position
   * in {@code stream}, in its own transaction, so the position moves exactly when the records
   * before it become visible. A sink that cannot store positions refuses the pipeline when it is
   * read ({@link dev.keel.connector.SinkProvider#storesPositions()}).
   */
  default void storePosition(String stream, String position) {
    throw new UnsupportedOperationException("this sink does not store source positions");
  }

  @Override
  void close();

  /** How far a partition got: the source position of the last published record and the totals. */
  record Checkpoint(
      String position, int chunks, long read, long filtered, long rejected, long published) {}

  /**
   * {@code rejected} at publish (repeated keys, rows breaking a constraint of the target); {@code
   * alreadyPublished} when the load id was found, and then {@code published} and {@code rejected}
   * are what that earlier publish recorded.
   */
  record PublishResult(long published, long rejected, boolean alreadyPublished) {}
}
