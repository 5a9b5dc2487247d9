package dev.keel.connectors.postgres;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Encodes values into PostgreSQL's COPY text format (tab-separated, {@code \N} for NULL, backslash
 * escapes) into a reusable byte buffer.
 */
final class CopyText {
  private static final DateTimeFormatter TZ = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
  private byte[] buf = new byte[1 << 16];
  private int len;

  int length() {
    return len;
  }

  byte[] bytes() {
    return buf;
  }

  void reset() {
    len = 0;
  }

  /** Bytes already in COPY text, such as a line of {@link StagedLines}. */
  void raw(byte[] b, int from, int to) {
    ensure(to - from);
    System.arraycopy(b, from, buf, len, to - from);
    len += to - from;
  }

  void row(long position, Object[] values) {
    integer(position);
    for (Object v : values) {
      put((byte) '\t');
      value(v);
    }
    put((byte) '\n');
  }

  /** A row without its position, as COPY into the target itself takes it ({@link DirectCopy}). */
  void values(Object[] values) {
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        put((byte) '\t');
      }
      value(values[i]);
    }
    put((byte) '\n');
  }

  private void value(Object v) {
    if (v == null) {
      put((byte) '\\');
      put((byte) 'N');
    } else if (v instanceof String s) {
      text(s);
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
      integer(((Number) v).longValue());
    } else if (v instanceof BigDecimal d) {
      decimal(d);
    } else if (v instanceof Double d) {
      ascii(
          d.isNaN()
              ? "NaN"
              : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
    } else if (v instanceof Boolean b) {
      put((byte) (b ? 't' : 'f'));
    } else if (v instanceof OffsetDateTime t) {
      timestamptz(t);
    } else {
      text(v.toString());
    }
  }

  /**
   * ISO_OFFSET_DATE_TIME's text, written by hand for UTC years 0..9999 (what coercion yields); else
   * the formatter.
   */
  private void timestamptz(OffsetDateTime t) {
    int year = t.getYear();
    if (!ZoneOffset.UTC.equals(t.getOffset()) || year < 0 || year > 9999) {
      ascii(TZ.format(t));
      return;
    }
    ensure(35);
    digits(year, 4);
    buf[len++] = '-';
    digits(t.getMonthValue(), 2);
    buf[len++] = '-';
    digits(t.getDayOfMonth(), 2);
    buf[len++] = 'T';
    digits(t.getHour(), 2);
    buf[len++] = ':';
    digits(t.getMinute(), 2);
    buf[len++] = ':';
    digits(t.getSecond(), 2);
    int nano = t.getNano();
    if (nano != 0) {
      int width = 9;
      while (nano % 10 == 0) {
        nano /= 10;
        width--;
      }
      buf[len++] = '.';
      digits(nano, width);
    }
    buf[len++] = 'Z';
  }

  /** Long.toString's text, written straight into the buffer. */
  private void integer(long v) {
    if (v == Long.MIN_VALUE) {
      ascii(Long.toString(v));
      return;
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int width = 1;
    for (long rest = v / 10; rest != 0; rest /= 10) {
      width++;
    }
    for (int i = len + width - 1; i >= len; i--) {
      buf[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    len += width;
  }

  /**
   * BigDecimal.toPlainString's text; written straight into the buffer when the unscaled value fits
   * in a long and the scale is not negative (what numeric coercion yields).
   */
  private void decimal(BigDecimal d) {
    int scale = d.scale();
    if (scale < 0 || scale > 18 || d.precision() > 18) {
      ascii(d.toPlainString());
      return;
    }
    long unscaled = d.unscaledValue().longValue();
    ensure(40);
    if (unscaled < 0) {
      buf[len++] = '-';
      unscaled = -unscaled;
    }
    int width = 1;
    for (long rest = unscaled / 10; rest != 0; rest /= 10) {
      width++;
    }
    // At least one digit before the point: 0.05, not .05.
    int total = Math.max(width, scale + 1);
    int end = len + total + (scale > 0 ? 1 : 0);
    int i = end - 1;
    for (int k = 0; k < total; k++) {
      if (scale > 0 && k == scale) {
        buf[i--] = '.';
      }
      buf[i--] = (byte) ('0' + unscaled % 10);
      unscaled /= 10;
    }
    len = end;
  }

  private void digits(int value, int width) {
    for (int i = len + width - 1; i >= len; i--) {
      buf[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    len += width;
  }

  private void text(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> {
          put((byte) '\\');
          put((byte) '\\');
        }
        case '\n' -> {
          put((byte) '\\');
          put((byte) 'n');
        }
        case '\r' -> {
          put((byte) '\\');
          put((byte) 'r');
        }
        case '\t' -> {
          put((byte) '\\');
          put((byte) 't');
        }
        default -> {
          if (c < 0x80) {
            put((byte) c);
          } else {
            int end = i + 1;
            while (end < s.length() && s.charAt(end) >= 0x80) {
              end++;
            }
            byte[] b = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            i = end - 1;
          }
        }
      }
    }
  }

  private void ascii(String s) {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  private void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      byte[] bigger = new byte[Math.max(buf.length * 2, len + n)];
      System.arraycopy(buf, 0, bigger, 0, len);
      buf = bigger;
    }
  }
}
