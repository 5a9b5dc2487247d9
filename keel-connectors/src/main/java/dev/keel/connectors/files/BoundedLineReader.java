package dev.keel.connectors.files;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines (ended by LF or CRLF) holding at most {@code cap} characters of any one line in
 * memory. A longer line is still consumed to its end, so the next line is read normally, but only
 * its first {@link RawText#CAP} characters are kept and it is marked too long. Drops a byte-order
 * mark at the start.
 */
public final class BoundedLineReader implements Closeable {
  public record Line(long number, String text, boolean tooLong) {}

  private final Reader in;
  private final long cap;
  private final char[] buf = new char[8192];
  private int pos;
  private int limit;
  private long number;
  private boolean eof;

  /** Characters before buf[0]. */
  private long base;

  private long lastStart;

  public BoundedLineReader(Reader in, long cap) {
    this(in, cap, 1, 0);
  }

  /**
   * Reading from the middle of a text: {@code in} starts at character {@code startChar}, at the
   * start of line {@code firstLine}.
   */
  public BoundedLineReader(Reader in, long cap, long firstLine, long startChar) {
    this.in = in;
    this.cap = cap;
    this.number = firstLine - 1;
    this.base = startChar;
  }

  /** The character index where the line {@link #next()} returned last begins. */
  public long lastLineStart() {
    return lastStart;
  }

  /** The next line without its terminator, or null at the end. */
  public Line next() throws IOException {
    long start = base + pos;
    StringBuilder text = new StringBuilder();
    boolean tooLong = false;
    boolean any = false;
    while (true) {
      if (pos >= limit && !fill()) {
        if (!any) {
          return null;
        }
        break;
      }
      any = true;
      int end = pos;
      while (end < limit && buf[end] != '\n') {
        end++;
      }
      int count = end - pos;
      if (!tooLong && text.length() + (long) count > cap) {
        tooLong = true;
        text.setLength(Math.min(text.length(), RawText.CAP));
      }
      if (!tooLong) {
        text.append(buf, pos, count);
      } else if (text.length() < RawText.CAP) {
        text.append(buf, pos, Math.min(count, RawText.CAP - text.length()));
      }
      boolean found = end < limit;
      pos = found ? end + 1 : limit;
      if (found) {
        break;
      }
    }
    number++;
    lastStart = start;
    int n = text.length();
    if (!tooLong && n > 0 && text.charAt(n - 1) == '\r') {
      text.setLength(n - 1);
    }
    if (number == 1 && text.length() > 0 && text.charAt(0) == '\uFEFF') {
      text.deleteCharAt(0);
    }
    return new Line(number, text.toString(), tooLong);
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      eof = true;
      return false;
    }
    base += limit;
    pos = 0;
    limit = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
