package dev.keel.spec;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The windows of {@code partitions: { daily|hourly|weekly|monthly: { start, end, timezone, lag, sla
 * } }}: consecutive windows from {@code start}, before {@code end} when given, in {@code timezone}.
 * Day, week and month windows run from local midnight to local midnight (java.time places midnight
 * correctly on a daylight-saving day: the day lasts 23 or 25 hours); hour windows are the hours of
 * the time line, so the repeated hour of an autumn night is two windows, named with their offsets
 * ({@code 2026-10-25T02+02:00}, {@code 2026-10-25T02+01:00}) and the skipped hour of a spring night
 * is none. A window counts as closed {@code lag} after its end.
 */
public record TimeWindows(
    Unit unit, LocalDateTime start, LocalDateTime end, ZoneId zone, Duration lag, Duration sla) {

  /** A window's length, as a unit of the calendar. */
  public enum Unit {
    HOURLY(Duration.ofHours(1)),
    DAILY(Duration.ofDays(1)),
    WEEKLY(Duration.ofDays(7)),
    MONTHLY(Duration.ofDays(28));

    /** The shortest length of a window of this unit (ignoring daylight saving time). */
    public final Duration shortest;

    Unit(Duration shortest) {
      this.shortest = shortest;
    }

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH");
  private static final Pattern HOUR_NAME =
      Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\d{2})([+-]\\d{2}:\\d{2}|Z)?");

  /** The window that contains {@code t} (it may lie outside start..end). */
  public TimeWindow containing(Instant t) {
    ZonedDateTime z = t.atZone(zone);
    return switch (unit) {
      case HOURLY -> hour(z.truncatedTo(ChronoUnit.HOURS));
      case DAILY -> day(z.toLocalDate());
      case WEEKLY -> week(z.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)));
      case MONTHLY -> month(YearMonth.from(z));
    };
  }

  /** The window right after {@code w}. */
  public TimeWindow next(TimeWindow w) {
    return containing(w.endInstant());
  }

  /** The window right before {@code w}. */
  public TimeWindow previous(TimeWindow w) {
    return containing(w.startInstant().minusNanos(1));
  }

  /** The first window, at {@code start}. */
  public TimeWindow first() {
    return containing(start.atZone(zone).toInstant());
  }

  /** Whether {@code w} lies within start..end. */
  public boolean inRange(TimeWindow w) {
    return !w.start().toLocalDateTime().isBefore(start)
        && (end == null || w.start().toLocalDateTime().isBefore(end));
  }

  /** The newest window closed at {@code now} (its end plus the lag has passed), if any. */
  public Optional<TimeWindow> newestClosed(Instant now) {
    TimeWindow w = previous(containing(now.minus(lag)));
    if (end != null && !w.start().toLocalDateTime().isBefore(end)) {
      w = last(); // every window before w is closed, and the last one is before w
    }
    return inRange(w) ? Optional.of(w) : Optional.empty();
  }

  /**
   * The windows from {@code from} to {@code to}, both included, oldest first; at most {@code max}.
   */
  public List<TimeWindow> between(TimeWindow from, TimeWindow to, int max) {
    List<TimeWindow> out = new ArrayList<>();
    for (TimeWindow w = from;
        !w.startInstant().isAfter(to.startInstant()) && out.size() < max;
        w = next(w)) {
      out.add(w);
    }
    return out;
  }

  /** The window named {@code name}, if it is one of these windows. */
  public Optional<TimeWindow> parse(String name) {
    Optional<TimeWindow> w;
    try {
      w = parseName(name);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    return w.filter(x -> x.name().equals(name) && inRange(x));
  }

  private Optional<TimeWindow> parseName(String name) {
    return switch (unit) {
      case DAILY -> Optional.of(day(LocalDate.parse(name)));
      case WEEKLY -> {
        LocalDate d = LocalDate.parse(name);
        yield d.getDayOfWeek() == DayOfWeek.MONDAY ? Optional.of(week(d)) : Optional.empty();
      }
      case MONTHLY -> Optional.of(month(YearMonth.parse(name)));
      case HOURLY -> {
        Matcher m = HOUR_NAME.matcher(name);
        if (!m.matches()) {
          yield Optional.empty();
        }
        LocalDateTime local = LocalDateTime.parse(m.group(1), HOUR);
        List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
        ZoneOffset offset =
            m.group(2) == null
                ? (offsets.size() == 1 ? offsets.get(0) : null)
                : ZoneOffset.of(m.group(2));
        if (offset == null || !offsets.contains(offset)) {
          yield Optional.empty();
        }
        yield Optional.of(hour(ZonedDateTime.ofLocal(local, zone, offset)));
      }
    };
  }

  /**
   * The windows nearest to {@code name} (for a message about a name that is not a window): the
   * closest ones around the time it names, or the first ones when it names no time.
   */
  public List<String> nearest(String name, int count) {
    TimeWindow around = first();
    Matcher m = Pattern.compile("^(\\d{4})-(\\d{2})(?:-(\\d{2}))?(?:T(\\d{2}))?").matcher(name);
    if (m.find()) {
      try {
        LocalDateTime t =
            LocalDateTime.of(
                Integer.parseInt(m.group(1)),
                Math.max(1, Math.min(12, Integer.parseInt(m.group(2)))),
                1,
                0,
                0);
        if (m.group(3) != null) {
          t =
              t.withDayOfMonth(
                  Math.max(
                      1, Math.min(t.toLocalDate().lengthOfMonth(), Integer.parseInt(m.group(3)))));
        }
        if (m.group(4) != null) {
          t = t.withHour(Math.min(23, Integer.parseInt(m.group(4))));
        }
        around = containing(t.atZone(zone).toInstant());
      } catch (RuntimeException e) {
        around = first();
      }
    }
    if (!inRange(around)) {
      around = around.start().toLocalDateTime().isBefore(start) ? first() : last();
    }
    List<String> out = new ArrayList<>();
    TimeWindow w = around;
    for (int i = 0; i < count / 2 && inRange(previous(w)); i++) {
      w = previous(w);
    }
    TimeWindow first = w;
    for (; out.size() < count && inRange(w); w = next(w)) {
      out.add(w.name());
    }
    for (w = previous(first); out.size() < count && inRange(w); w = previous(w)) {
      out.add(0, w.name());
    }
    return out;
  }

  /** The last window before {@code end} (the first when there is no end). */
  public TimeWindow last() {
    return end == null ? first() : previous(containing(end.atZone(zone).toInstant()));
  }

  private TimeWindow day(LocalDate d) {
    return new TimeWindow(d.toString(), d.atStartOfDay(zone), d.plusDays(1).atStartOfDay(zone));
  }

  private TimeWindow week(LocalDate monday) {
    return new TimeWindow(
        monday.toString(), monday.atStartOfDay(zone), monday.plusWeeks(1).atStartOfDay(zone));
  }

  private TimeWindow month(YearMonth m) {
    return new TimeWindow(
        m.toString(), m.atDay(1).atStartOfDay(zone), m.plusMonths(1).atDay(1).atStartOfDay(zone));
  }

  private TimeWindow hour(ZonedDateTime start) {
    LocalDateTime local = start.toLocalDateTime();
    String name = local.format(HOUR);
    if (zone.getRules().getValidOffsets(local).size() > 1) {
      name += start.getOffset().getId();
    }
    ZonedDateTime end = start.plusHours(1);
    return new TimeWindow(name, start, end);
  }
}
