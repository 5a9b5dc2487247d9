package dev.keel.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.ColumnType;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written timestamptz fast path accepts, rejects and converts exactly as the formatter
 * does.
 */
class TimestamptzFastPathTest {
  private static final ColumnType TZ = ColumnType.parse("timestamptz");
  private static final String[] YEARS = {
    "2026", "0000", "0001", "1999", "2024", "9999", "+2026", "202", "20260", "2a26"
  };
  private static final String[] MONTHS = {"01", "02", "12", "13", "00", "1", "x1"};
  private static final String[] DAYS = {"01", "28", "29", "30", "31", "32", "00", "9"};
  private static final String[] SEPS = {"T", " ", "t", "_", ""};
  private static final String[] HOURS = {"00", "09", "23", "24", "25", "7"};
  private static final String[] MINUTES = {"00", "30", "59", "60"};
  private static final String[] SECONDS = {":00", ":59", ":60", "", ":5", ":61"};
  private static final String[] FRACTIONS = {
    "", ".", ".1", ".123456", ".123456789", ".1234567890", ".5x", ".000"
  };
  private static final String[] OFFSETS = {
    "",
    "Z",
    "z",
    "+00:00",
    "-00:00",
    "+05:30",
    "-08:00",
    "+18:00",
    "-18:00",
    "+18:01",
    "+19:00",
    "+05:60",
    "+0530",
    "+05",
    "-0800",
    "+5:30",
    "+05:30:15",
    "UTC",
    " ",
    "+05:3x",
    "Z "
  };
  private static final ZoneId[] ZONES = {
    ZoneOffset.UTC, ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York")
  };

  @Test
  void fastPathAgreesWithTheFormatter() {
    Random r = new Random(42);
    List<String> inputs =
        new ArrayList<>(
            List.of(
                "2026-03-29T02:30:00",
                "2026-10-25T02:30:00",
                "2026-11-01 01:30:00",
                " 2026-01-01T00:00:00Z ",
                "2024-02-29T12:00:00.5+01:00",
                "2023-02-29T12:00:00Z",
                "2026-01-01T00:00:00.Z"));
    for (int i = 0; i < 20_000; i++) { // valid values, in the shapes the fast path takes
      java.time.LocalDateTime t =
          java.time.LocalDateTime.ofEpochSecond(
              r.nextLong(-62_000_000_000L, 253_000_000_000L),
              r.nextBoolean() ? 0 : r.nextInt(1_000_000_000),
              ZoneOffset.UTC);
      String local =
          String.format(
              "%04d-%02d-%02d%s%02d:%02d:%02d",
              t.getYear(),
              t.getMonthValue(),
              t.getDayOfMonth(),
              r.nextBoolean() ? "T" : " ",
              t.getHour(),
              t.getMinute(),
              t.getSecond());
      String fraction =
          t.getNano() == 0
              ? ""
              : "." + String.format("%09d", t.getNano()).substring(0, 1 + r.nextInt(9));
      inputs.add(local + fraction + pick(r, new String[] {"", "Z", "+01:00", "-05:30", "+14:00"}));
    }
    for (int i = 0; i < 30_000; i++) {
      inputs.add(
          pick(r, YEARS)
              + "-"
              + pick(r, MONTHS)
              + "-"
              + pick(r, DAYS)
              + pick(r, SEPS)
              + pick(r, HOURS)
              + ":"
              + pick(r, MINUTES)
              + pick(r, SECONDS)
              + pick(r, FRACTIONS)
              + pick(r, OFFSETS));
    }
    int accepted = 0;
    for (String s : inputs) {
      for (ZoneId zone : ZONES) {
        String fast = outcome(() -> Coercion.fromText(s, TZ, zone));
        String reference = outcome(() -> TemporalCoercion.timestamptzByFormatter(s, zone));
        assertThat(fast).as("'%s' in %s", s, zone).isEqualTo(reference);
        accepted += fast.startsWith("ok ") ? 1 : 0;
      }
    }
    assertThat(accepted).as("some inputs are valid").isGreaterThan(50_000);
  }

  private static String pick(Random r, String[] options) {
    return options[r.nextInt(options.length)];
  }

  private static String outcome(java.util.function.Supplier<Object> f) {
    try {
      return "ok " + f.get();
    } catch (CoercionException e) {
      return "rejected " + e.getMessage();
    }
  }
}
