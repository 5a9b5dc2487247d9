package dev.keel.connectors.postgres;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The COPY text sent into the stage since it began, kept so that a row PostgreSQL refuses (a data
 * exception, SQLSTATE class 22, that coercion did not foresee) can be found by the line number
 * PostgreSQL names and the stage rebuilt without it. Kept up to {@link #CAP} bytes; a bigger stage
 * (a huge partition with {@code commit: partition}) is not kept, and a refusal then fails the
 * partition as before, with the staging line in the message.
 */
final class StagedLines {
  static final int CAP = 32 * 1024 * 1024;
  private byte[] data = new byte[1 << 16];
  private int len;
  private boolean kept = true;

  void append(byte[] bytes, int length) {
    if (!kept) {
      return;
    }
    if ((long) len + length > CAP) {
      kept = false;
      data = null;
      return;
    }
    if (len + length > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, len + length));
    }
    System.arraycopy(bytes, 0, data, len, length);
    len += length;
  }

  boolean kept() {
    return kept;
  }

  void reset() {
    data = new byte[1 << 16];
    len = 0;
    kept = true;
  }

  /** The lines kept, for a rebuild; this object starts empty again. */
  Line[] take() {
    byte[] all = data;
    int n = len;
    reset();
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (all[i] == '\n') {
        count++;
      }
    }
    Line[] lines = new Line[count];
    int start = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (all[i] == '\n') {
        lines[k++] = new Line(all, start, i + 1);
        start = i + 1;
      }
    }
    return lines;
  }

  /** One COPY line, its end-of-line included; it starts with the record's source position. */
  record Line(byte[] data, int from, int to) {
    long position() {
      long p = 0;
      for (int i = from; i < to && data[i] != '\t'; i++) {
        p = p * 10 + (data[i] - '0');
      }
      return p;
    }

    /**
     * The staged values as a comma-separated line, for the dead letter (COPY escapes left as they
     * are).
     */
    String values() {
      String s = new String(data, from, to - from - 1, StandardCharsets.UTF_8);
      int tab = s.indexOf('\t');
      return (tab < 0 ? "" : s.substring(tab + 1)).replace('\t', ',').replace("\\N", "");
    }
  }
}
