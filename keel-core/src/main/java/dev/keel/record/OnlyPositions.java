package dev.keel.record;

import java.io.IOException;
import java.util.Arrays;

/**
 * A source that passes on only the records at the given positions (file lines or row numbers), e.g.
 * the dead letters of a run, for a replay after the pipeline was fixed. The others are read and
 * dropped; memory holds only the positions.
 */
public final class OnlyPositions implements RecordSource {
  private final RecordSource source;
  private final long[] positions;

  /**
   * @param positions any order; copied and sorted
   */
  public OnlyPositions(RecordSource source, long[] positions) {
    this.source = source;
    this.positions = positions.clone();
    Arrays.sort(this.positions);
  }

  @Override
  public SourceRecord next() throws IOException {
    SourceRecord r;
    while ((r = source.next()) != null) {
      if (Arrays.binarySearch(positions, r.position()) >= 0) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String position() {
    return source.position();
  }

  @Override
  public String describe() {
    return source.describe() + " (only " + positions.length + " positions)";
  }

  @Override
  public void close() throws IOException {
    source.close();
  }
}
