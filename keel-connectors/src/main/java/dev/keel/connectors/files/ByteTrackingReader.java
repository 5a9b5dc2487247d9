package dev.keel.connectors.files;

import dev.keel.record.Coercion;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Decoded UTF-8 text that remembers where in the bytes each of its last {@value #WINDOW} characters
 * began, so a record's character position (what a checkpoint holds) can also be given as a byte
 * offset, from which an object store can be read again with a ranged GET instead of from the start.
 * The parser above reads ahead by its buffer, so a record's start is normally well inside the
 * window; a record longer than that, or any malformed byte sequence before it (its length in bytes
 * is not known from {@link Coercion#MALFORMED}), gives no byte offset.
 */
public final class ByteTrackingReader extends FilterReader {
  static final int WINDOW = 1 << 16;

  private final long startChar;
  private final long startByte;
  private final byte[] lengths = new byte[WINDOW];
  private long chars;
  private long bytes;
  private boolean lost;

  /**
   * @param startChar the character index of the first character {@code in} yields
   * @param startByte the byte offset where that character begins
   */
  public ByteTrackingReader(Reader in, long startChar, long startByte) {
    super(in);
    this.startChar = startChar;
    this.startByte = startByte;
  }

  @Override
  public int read() throws IOException {
    char[] one = new char[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0];
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    for (int i = 0; i < n; i++) {
      char c = buf[off + i];
      int l;
      if (c == Coercion.MALFORMED) {
        lost = true;
        l = 0;
      } else if (c < 0x80) {
        l = 1;
      } else if (c < 0x800) {
        l = 2;
      } else if (Character.isHighSurrogate(c)) {
        l = 4; // the pair's four bytes, on its first half
      } else if (Character.isLowSurrogate(c)) {
        l = 0;
      } else {
        l = 3;
      }
      lengths[(int) (chars & (WINDOW - 1))] = (byte) l;
      chars++;
      bytes += l;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    char[] buf = new char[(int) Math.min(n, 8192)];
    int r = read(buf, 0, buf.length);
    return Math.max(r, 0);
  }

  /** The byte offset where the character at {@code charIndex} begins, or -1 when unknown. */
  public long byteOffset(long charIndex) {
    long i = charIndex - startChar;
    if (lost || i < 0 || i > chars || chars - i > WINDOW) {
      return -1;
    }
    long b = bytes;
    for (long k = i; k < chars; k++) {
      b -= lengths[(int) (k & (WINDOW - 1))];
    }
    return startByte + b;
  }
}
