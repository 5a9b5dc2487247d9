package dev.keel.record;

import java.io.Closeable;
import java.io.IOException;

/**
 * A stream of records for one partition. Implementations hold at most one record (bounded by a size
 * cap) in memory. A record that cannot be read is returned as {@link SourceRecord#rejected}; a
 * problem that makes the rest unreadable (file missing, header wrong, record over the size cap) is
 * thrown as a {@link dev.keel.KeelException} naming the file and line.
 */
public interface RecordSource extends Closeable {
  /** The next record, or null at the end of the input. */
  SourceRecord next() throws IOException;

  /**
   * An opaque token naming the last record returned, from which a later reading of the same input
   * can resume (checkpoints); null before the first record.
   */
  default String position() {
    return null;
  }

  /**
   * Makes a {@link #next()} blocked on a remote peer return or throw soon, e.g. when the attempt
   * ran out of time. Called from another thread, at most while the source is open; it must not wait
   * for the reading thread. After it the source is closed, not resumable. Sources that only wait on
   * local files need nothing here.
   */
  default void cancel() {}

  /**
   * Asked once the source has returned its last record: how many records are behind that end now (a
   * stream's new messages), or -1 when the source cannot tell or is not a stream.
   */
  default long lag() {
    return -1;
  }

  /** Where this source reads from, for messages (a path, or a URL with no credentials). */
  String describe();
}
