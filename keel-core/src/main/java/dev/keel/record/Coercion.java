package dev.keel.record;

import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Text to typed value: the one documented rule for turning a source's text into the Java value of
 * a declared column (see {@link ColumnType} for the Java type of each kind). Every source that
 * reads text (CSV fields, JSON strings and numbers, JDBC values that are not already typed) goes
 * through here, so a value means the same thing whatever file it came from.
 *
 * <ul>
 *   <li>{@code null} in, {@code null} out. Deciding what is NULL (empty field, {@code \N}) is the
 *       source's job, not this class's.
 *   <li><b>smallint, integer, bigint</b>: optional sign and decimal digits only, surrounding
 *       spaces trimmed; range-checked for the declared kind. {@code 1e3} and {@code 1.0} are
 *       rejected (an integer column never silently drops a fraction).
 *   <li><b>numeric(p,s)</b>: a decimal, exponent allowed, spaces trimmed. More significant
 *       fractional digits than {@code s} are rejected (no silent rounding; trailing zeros are
 *       fine), and so are more than {@code p-s} integer digits. NaN and Infinity are rejected.
 *       The value is returned with scale {@code s}. Plain {@code numeric} takes any decimal.
 *   <li><b>real, double precision</b>: a decimal with optional exponent, or NaN, Infinity,
 *       -Infinity (also {@code inf}, case-insensitive). Hex floats and Java suffixes ({@code 1d})
 *       are rejected; so is a finite value too large for the kind.
 *   <li><b>boolean</b>: true/false, t/f, yes/no, y/n, on/off, 1/0, case-insensitive, trimmed.
 *   <li><b>date</b>: ISO {@code yyyy-mm-dd} only, strictly (month 13 and 29 February of a
 *       non-leap year are rejected). Slashed or dotted dates such as {@code 01/02/03} are
 *       rejected as ambiguous.
 *   <li><b>timestamp</b>: ISO local date-time, {@code T} or a space between date and time,
 *       optional seconds and fraction (to nanoseconds). An offset is rejected: the column has no
 *       time zone, so dropping one would change the instant silently.
 *   <li><b>timestamptz</b>: ISO date-time with an offset ({@code +01:00}, {@code +0100}, {@code
 *       +01}) or {@code Z}; without an offset the local time is read in the source's time zone
 *       ({@code zone}, UTC by default). A local time that does not exist in that zone (a
 *       daylight-saving gap) or exists twice (an overlap) is rejected: write it with an offset.
 *       The result is normalised to UTC.
 *   <li><b>text</b>: any string, untrimmed, except one containing U+0000 (PostgreSQL text cannot
 *       store it) or U+FFFD (the replacement character a decoder leaves for bytes that are not
 *       valid in the declared encoding: set {@code encoding:} on the source). <b>varchar(n)</b>:
 *       the same, and at most {@code n} characters (code points).
 * </ul>
 */
public final class Coercion {

  private static final Pattern INTEGRAL = Pattern.compile("[+-]?\\d+");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern OTHER_DATE = Pattern.compile("\\d{1,4}[/.\\-]\\d{1,2}[/.\\-]\\d{1,4}");
  private static final Pattern COMPACT_OFFSET = Pattern.compile("([+-]\\d{2})(\\d{2})$");
  private static final DateTimeFormatter DATE_TIME =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .optionalStart()
          .parseLenient()
          .appendOffset("+HH:MM:ss", "Z")
          .parseStrict()
          .optionalEnd()
          .toFormatter(Locale.ROOT)
          .withResolverStyle(ResolverStyle.STRICT);
  private static final int SHOWN = 60;

  private Coercion() {}

  /** The value of {@code text} as {@code type}; see the class comment for the rules. */
  public static Object fromText(String text, ColumnType type, ZoneId zone) {
    if (text == null) {
      return null;
    }
    return switch (type.kind()) {
      case SMALLINT -> integral(text, type, Short.MIN_VALUE, Short.MAX_VALUE);
      case INTEGER -> integral(text, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT -> integral(text, type, Long.MIN_VALUE, Long.MAX_VALUE);
      case NUMERIC -> numeric(text, type);
      case REAL -> real(text, type, Float.MAX_VALUE);
      case DOUBLE -> real(text, type, Double.MAX_VALUE);
      case BOOLEAN -> bool(text);
      case TEXT -> text(text);
      case VARCHAR -> varchar(text, type);
      case DATE -> date(text);
      case TIMESTAMP -> timestamp(text);
      case TIMESTAMPTZ -> timestamptz(text, zone == null ? ZoneOffset.UTC : zone);
    };
  }

  private static Long integral(String text, ColumnType type, long min, long max) {
    String t = text.strip();
    if (!INTEGRAL.matcher(t).matches()) {
      throw fail(show(text) + " is not " + article(type) + " " + type.sql());
    }
    long v;
    try {
      v = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw outOfRange(text, type, min, max);
    }
    if (v < min || v > max) {
      throw outOfRange(text, type, min, max);
    }
    return v;
  }

  private static CoercionException outOfRange(String text, ColumnType type, long min, long max) {
    return fail(show(text) + " is out of range for " + type.sql() + " (" + min + ".." + max + ")");
  }

  private static BigDecimal numeric(String text, ColumnType type) {
    String t = text.strip();
    if (!DECIMAL.matcher(t).matches()) {
      throw fail(show(text) + " is not a number" + (isNanOrInfinity(t) ? " that numeric(p,s) can hold" : ""));
    }
    BigDecimal v;
    try {
      v = new BigDecimal(t);
    } catch (NumberFormatException | ArithmeticException e) {
      throw fail(show(text) + " is not a number numeric can hold (exponent out of range)");
    }
    if (type.precision() == 0) {
      return v;
    }
    BigDecimal stripped = v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
    int fraction = Math.max(stripped.scale(), 0);
    if (fraction > type.scale()) {
      throw fail(show(text) + " has " + fraction + " decimal places, " + type.sql() + " allows " + type.scale());
    }
    long integerDigits = (long) stripped.precision() - stripped.scale();
    if (integerDigits > type.precision() - type.scale()) {
      throw fail(show(text) + " has " + integerDigits + " digits before the decimal point, "
          + type.sql() + " allows " + (type.precision() - type.scale()));
    }
    return v.setScale(type.scale());
  }

  private static boolean isNanOrInfinity(String t) {
    String s = t.toLowerCase(Locale.ROOT).replaceFirst("^[+-]", "");
    return s.equals("nan") || s.equals("infinity") || s.equals("inf");
  }

  private static Double real(String text, ColumnType type, double max) {
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    switch (lower) {
      case "nan", "+nan", "-nan":
        return Double.NaN;
      case "infinity", "+infinity", "inf", "+inf":
        return Double.POSITIVE_INFINITY;
      case "-infinity", "-inf":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    if (!DECIMAL.matcher(t).matches()) {
      throw fail(show(text) + " is not " + article(type) + " " + type.sql());
    }
    double v = Double.parseDouble(t);
    if (Math.abs(v) > max) {
      throw fail(show(text) + " is out of range for " + type.sql());
    }
    return v;
  }

  private static Boolean bool(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true", "t", "yes", "y", "on", "1" -> Boolean.TRUE;
      case "false", "f", "no", "n", "off", "0" -> Boolean.FALSE;
      default -> throw fail(show(text)
          + " is not a boolean (use true/false, t/f, yes/no, y/n, on/off or 1/0)");
    };
  }

  private static String text(String text) {
    int nul = text.indexOf('\u0000');
    if (nul >= 0) {
      throw fail("text contains a NUL character (U+0000) at character " + (nul + 1)
          + ", which PostgreSQL cannot store");
    }
    int bad = text.indexOf('\uFFFD');
    if (bad >= 0) {
      throw fail("text contains U+FFFD at character " + (bad + 1)
          + ": the input is not valid in its declared encoding; set encoding: on the source"
          + " (for example encoding: windows-1252)");
    }
    return text;
  }

  private static String varchar(String text, ColumnType type) {
    text(text);
    int length = text.codePointCount(0, text.length());
    if (length > type.precision()) {
      throw fail(show(text) + " is " + length + " characters, " + type.sql() + " allows " + type.precision());
    }
    return text;
  }

  private static LocalDate date(String text) {
    String t = text.strip();
    if (!DATE.matcher(t).matches()) {
      if (OTHER_DATE.matcher(t).matches()) {
        throw fail(show(text) + " is an ambiguous date; use yyyy-mm-dd");
      }
      throw fail(show(text) + " is not a date; use yyyy-mm-dd");
    }
    try {
      return LocalDate.parse(t, DateTimeFormatter.ISO_LOCAL_DATE);
    } catch (DateTimeParseException e) {
      throw fail(show(text) + " is not a valid date (yyyy-mm-dd)");
    }
  }

  private static LocalDateTime timestamp(String text) {
    TemporalAccessor parsed = parseDateTime(text, "timestamp");
    if (parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
      throw fail(show(text) + " has a time zone offset but the column is a timestamp without time zone;"
          + " declare it timestamptz or drop the offset");
    }
    return LocalDateTime.from(parsed);
  }

  private static OffsetDateTime timestamptz(String text, ZoneId zone) {
    String t = text.strip();
    LocalDateTime local = isoLocal(t);
    if (local != null) {
      if (fractionEnd(t) == t.length()) {
        return atZone(text, local, null, zone);
      }
      ZoneOffset offset = isoOffset(t);
      if (offset != null) {
        return atZone(text, local, offset, zone);
      }
    }
    return timestamptzByFormatter(text, zone);
  }

  /** The reference path: every shape the class comment allows, through {@link #DATE_TIME}. */
  static OffsetDateTime timestamptzByFormatter(String text, ZoneId zone) {
    TemporalAccessor parsed = parseDateTime(text, "timestamptz");
    LocalDateTime local = LocalDateTime.from(parsed);
    ZoneOffset offset = parsed.isSupported(ChronoField.OFFSET_SECONDS)
        ? ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS)) : null;
    return atZone(text, local, offset, zone);
  }

  private static OffsetDateTime atZone(String text, LocalDateTime local, ZoneOffset offset, ZoneId zone) {
    if (offset != null) {
      return OffsetDateTime.of(local, offset).withOffsetSameInstant(ZoneOffset.UTC);
    }
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    if (offsets.isEmpty()) {
      throw fail(show(text) + " does not exist in " + zone.getId()
          + " (skipped by a daylight-saving change); write it with an offset");
    }
    if (offsets.size() > 1) {
      throw fail(show(text) + " is ambiguous in " + zone.getId()
          + " (it happens twice at a daylight-saving change); write it with an offset");
    }
    return OffsetDateTime.of(local, offsets.get(0)).withOffsetSameInstant(ZoneOffset.UTC);
  }

  // The fast path for the common shape yyyy-mm-ddThh:mm:ss[.f{1,9}][Z|+hh:mm|-hh:mm] (T or a space),
  // parsed by hand: the formatter costs about half of keel's CPU time on a timestamped CSV. Anything
  // else, and any value out of range, goes to the formatter, which accepts or rejects it exactly as
  // before (with its error message); CoercionTest checks that both paths agree.
  /** The local date-time at the start of {@code t} in the common shape, or null. */
  private static LocalDateTime isoLocal(String t) {
    if (t.length() < 19 || t.charAt(4) != '-' || t.charAt(7) != '-' || (t.charAt(10) != 'T' && t.charAt(10) != ' ')
        || t.charAt(13) != ':' || t.charAt(16) != ':') {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    int end = fractionEnd(t);
    int nanos = 0;
    if (end > 19) {
      if (end == 20) {
        return null; // a point without digits: the formatter's call
      }
      nanos = digits(t, 20, end);
      for (int i = end; i < 29; i++) {
        nanos *= 10;
      }
    }
    if ((year | month | day | hour | minute | second | nanos) < 0 || end - 20 > 9) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  /** Where the seconds (and their fraction, if any) end. */
  private static int fractionEnd(String t) {
    if (t.length() <= 19 || t.charAt(19) != '.') {
      return 19;
    }
    int i = 20;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /** The offset after the local part in the common shape (Z, +hh:mm, -hh:mm), or null for none or another shape. */
  private static ZoneOffset isoOffset(String t) {
    int at = fractionEnd(t);
    int left = t.length() - at;
    if (left == 1 && t.charAt(at) == 'Z') {
      return ZoneOffset.UTC;
    }
    if (left == 6 && (t.charAt(at) == '+' || t.charAt(at) == '-') && t.charAt(at + 3) == ':') {
      int h = digits(t, at + 1, at + 3);
      int m = digits(t, at + 4, at + 6);
      if ((h | m) < 0 || m > 59) {
        return null;
      }
      try {
        return t.charAt(at) == '+' ? ZoneOffset.ofHoursMinutes(h, m) : ZoneOffset.ofHoursMinutes(-h, -m);
      } catch (java.time.DateTimeException e) {
        return null;
      }
    }
    return null;
  }

  /** The ASCII digits in [from, to) as a number, or -1 if any is not a digit. */
  private static int digits(String t, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static TemporalAccessor parseDateTime(String text, String kind) {
    String t = text.strip();
    if (t.length() > 10 && t.charAt(10) == ' ') {
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    if (t.length() > 16) {
      // +0100 -> +01:00; the date part is before index 10, so it is never touched
      t = t.substring(0, 16) + COMPACT_OFFSET.matcher(t.substring(16)).replaceFirst("$1:$2");
    }
    try {
      return DATE_TIME.parse(t);
    } catch (DateTimeParseException e) {
      throw fail(show(text) + " is not a valid " + kind + " (yyyy-mm-dd hh:mm:ss[.fraction]"
          + (kind.equals("timestamptz") ? "[+hh:mm|Z]" : "") + ")");
    }
  }

  private static String article(ColumnType type) {
    return switch (type.kind()) {
      case INTEGER -> "an";
      default -> "a";
    };
  }

  /** The value quoted for a message, shortened and with control characters escaped. */
  static String show(String text) {
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(text.length(), SHOWN);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    if (text.length() > SHOWN) {
      b.append("…(").append(text.length()).append(" characters)");
    }
    return b.append('\'').toString();
  }

  private static CoercionException fail(String message) {
    return new CoercionException(message);
  }
}
