package dev.keel.record;

/**
 * One record from a source: either typed values in declared-column order, or a rejection with the
 * raw text and the reason. {@code position} is the 1-based line a file record starts on, or the
 * 1-based row number of a query.
 */
public record SourceRecord(long position, Object[] values, String raw, String error) {

  public static SourceRecord row(long position, Object[] values) {
    return new SourceRecord(position, values, null, null);
  }

  public static SourceRecord rejected(long position, String raw, String error) {
    return new SourceRecord(position, null, raw, error);
  }

  public boolean isRejected() {
    return error != null;
  }
}
