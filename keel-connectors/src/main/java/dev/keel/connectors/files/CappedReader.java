package dev.keel.connectors.files;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * A reader that refuses to deliver more than {@code cap} characters between two calls of {@link
 * #startRecord()}, so a parser that buffers a whole record (a huge field, or an unterminated quote
 * running to the end of a multi-GB file) fails with {@link RecordTooLarge} instead of running out
 * of memory. The parser above reads ahead by at most its buffer, so the cap is exact to within that
 * buffer (8 KiB). Also drops a byte-order mark at the very start.
 */
public final class CappedReader extends FilterReader {
  private final long cap;
  private long delivered;
  private long recordStart;
  private boolean started;

  public CappedReader(Reader in, long cap) {
    super(in);
    this.cap = cap;
  }

  /** Called by the source before it asks the parser for the next record. */
  public void startRecord() {
    recordStart = delivered;
  }

  @Override
  public int read() throws IOException {
    char[] one = new char[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0];
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    if (delivered - recordStart > cap) {
      throw new RecordTooLarge();
    }
    int n = in.read(buf, off, len);
    if (!started && n > 0) {
      started = true;
      if (buf[off] == '\uFEFF') {
        System.arraycopy(buf, off + 1, buf, off, n - 1);
        n--;
        if (n == 0) {
          return read(buf, off, len);
        }
      }
    }
    if (n > 0) {
      delivered += n;
    }
    return n;
  }

  /** Thrown through the parser; the source turns it into a message with the file and line. */
  public static final class RecordTooLarge extends RuntimeException {
    RecordTooLarge() {
      super(null, null, false, false);
    }
  }
}
