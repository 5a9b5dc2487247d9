package dev.keel.record;

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
 * The date and time half of {@link Coercion}: ISO dates only (strict: no month 13, no 29 February
 * in a non-leap year, no ambiguous 01/02/03), local timestamps, and timestamps with an offset or
 * read in the source's time zone, refusing a local time that falls in a daylight-saving gap or
 * overlap. The common ISO shapes are parsed by hand (fast path); everything else goes through
 * java.time's formatters with the same verdicts.
 */
final class TemporalCoercion {
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern OTHER_DATE =
      Pattern.compile("\\d{1,4}[/.\\-]\\d{1,2}[/.\\-]\\d{1,4}");
  static final int MIN_YEAR = 1;
  static final int MAX_YEAR = 9999;
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

  private TemporalCoercion() {}

  static LocalDate date(String text) {
    String t = text.strip();
    if (!DATE.matcher(t).matches()) {
      if (OTHER_DATE.matcher(t).matches()) {
        throw Coercion.fail(Coercion.show(text) + " is an ambiguous date; use yyyy-mm-dd");
      }
      throw Coercion.fail(Coercion.show(text) + " is not a date; use yyyy-mm-dd");
    }
    LocalDate d;
    try {
      d = LocalDate.parse(t, DateTimeFormatter.ISO_LOCAL_DATE);
    } catch (DateTimeParseException e) {
      throw Coercion.fail(Coercion.show(text) + " is not a valid date (yyyy-mm-dd)");
    }
    checkYear(text, d.getYear());
    return d;
  }

  /**
   * Years PostgreSQL takes in keel's ISO form: it has no year 0 and writes earlier years with BC.
   */
  private static void checkYear(String text, int year) {
    if (year < MIN_YEAR || year > MAX_YEAR) {
      throw Coercion.fail(
          Coercion.show(text)
              + " is outside the years "
              + MIN_YEAR
              + " to "
              + MAX_YEAR
              + " keel accepts"
              + (year <= 0
                  ? " (ISO year "
                      + year
                      + " is "
                      + (1 - year)
                      + " BC, which PostgreSQL does not read in this form)"
                  : ""));
    }
  }

  /** PostgreSQL keeps microseconds and rounds finer digits: refuse them unless they are zeros. */
  private static void checkMicros(String text, int nanos) {
    if (nanos % 1000 != 0) {
      throw Coercion.fail(
          Coercion.show(text)
              + " has a fraction of a second finer than microseconds, which PostgreSQL"
              + " would round (possibly to the next second); write at most 6 decimal places");
    }
  }

  private static LocalDateTime checked(String text, LocalDateTime local) {
    checkYear(text, local.getYear());
    checkMicros(text, local.getNano());
    return local;
  }

  static LocalDateTime timestamp(String text) {
    TemporalAccessor parsed = parseDateTime(text, "timestamp");
    if (parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
      throw Coercion.fail(
          Coercion.show(text)
              + " has a time zone offset but the column is a timestamp without time zone;"
              + " declare it timestamptz or drop the offset");
    }
    return checked(text, LocalDateTime.from(parsed));
  }

  static OffsetDateTime timestamptz(String text, ZoneId zone) {
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
    ZoneOffset offset =
        parsed.isSupported(ChronoField.OFFSET_SECONDS)
            ? ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS))
            : null;
    return atZone(text, local, offset, zone);
  }

  static OffsetDateTime atZone(String text, LocalDateTime local, ZoneOffset offset, ZoneId zone) {
    checkMicros(text, local.getNano());
    OffsetDateTime utc = inUtc(text, local, offset, zone);
    // The year as written to PostgreSQL (in UTC): 0001-01-01T00:30+01:00 is year 0 there.
    checkYear(text, utc.getYear());
    return utc;
  }

  private static OffsetDateTime inUtc(
      String text, LocalDateTime local, ZoneOffset offset, ZoneId zone) {
    if (offset != null) {
      return OffsetDateTime.of(local, offset).withOffsetSameInstant(ZoneOffset.UTC);
    }
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    if (offsets.isEmpty()) {
      throw Coercion.fail(
          Coercion.show(text)
              + " does not exist in "
              + zone.getId()
              + " (skipped by a daylight-saving change); write it with an offset");
    }
    if (offsets.size() > 1) {
      throw Coercion.fail(
          Coercion.show(text)
              + " is ambiguous in "
              + zone.getId()
              + " (it happens twice at a daylight-saving change); write it with an offset");
    }
    return OffsetDateTime.of(local, offsets.get(0)).withOffsetSameInstant(ZoneOffset.UTC);
  }

  // The fast path for the common shape yyyy-mm-ddThh:mm:ss[.f{1,9}][Z|+hh:mm|-hh:mm] (T or a
  // space),
  // parsed by hand: the formatter costs about half of keel's CPU time on a timestamped CSV.
  // Anything
  // else, and any value out of range, goes to the formatter, which accepts or rejects it exactly as
  // before (with its error message); CoercionTest checks that both paths agree.
  /** The local date-time at the start of {@code t} in the common shape, or null. */
  static LocalDateTime isoLocal(String t) {
    if (t.length() < 19
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || (t.charAt(10) != 'T' && t.charAt(10) != ' ')
        || t.charAt(13) != ':'
        || t.charAt(16) != ':') {
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
  static int fractionEnd(String t) {
    if (t.length() <= 19 || t.charAt(19) != '.') {
      return 19;
    }
    int i = 20;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /**
   * The offset after the local part in the common shape (Z, +hh:mm, -hh:mm), or null for none or
   * another shape.
   */
  static ZoneOffset isoOffset(String t) {
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
        return t.charAt(at) == '+'
            ? ZoneOffset.ofHoursMinutes(h, m)
            : ZoneOffset.ofHoursMinutes(-h, -m);
      } catch (java.time.DateTimeException e) {
        return null;
      }
    }
    return null;
  }

  /** The ASCII digits in [from, to) as a number, or -1 if any is not a digit. */
  static int digits(String t, int from, int to) {
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

  static TemporalAccessor parseDateTime(String text, String kind) {
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
      throw Coercion.fail(
          Coercion.show(text)
              + " is not a valid "
              + kind
              + " (yyyy-mm-dd hh:mm:ss[.fraction]"
              + (kind.equals("timestamptz") ? "[+hh:mm|Z]" : "")
              + ")");
    }
  }
}
