package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeWindowsTest {
  static final ZoneId PARIS = ZoneId.of("Europe/Paris");

  static TimeWindows windows(TimeWindows.Unit unit, String start, ZoneId zone, Duration lag) {
    return new TimeWindows(unit, LocalDate.parse(start).atStartOfDay(), null, zone, lag, null);
  }

  @Test
  void a_daily_window_in_paris_lasts_23_hours_in_spring_and_25_in_autumn() {
    TimeWindows daily = windows(TimeWindows.Unit.DAILY, "2026-01-01", PARIS, Duration.ZERO);
    TimeWindow spring = daily.parse("2026-03-29").orElseThrow();
    TimeWindow autumn = daily.parse("2026-10-25").orElseThrow();
    TimeWindow plain = daily.parse("2026-11-28").orElseThrow();
    assertThat(Duration.between(spring.startInstant(), spring.endInstant())).hasHours(23);
    assertThat(Duration.between(autumn.startInstant(), autumn.endInstant())).hasHours(25);
    assertThat(Duration.between(plain.startInstant(), plain.endInstant())).hasHours(24);
    assertThat(plain.startInstant()).isEqualTo(Instant.parse("2026-11-27T23:00:00Z"));
  }

  @Test
  void hourly_windows_skip_the_missing_hour_and_name_the_repeated_one_by_its_offset() {
    TimeWindows hourly = windows(TimeWindows.Unit.HOURLY, "2026-01-01", PARIS, Duration.ZERO);
    TimeWindow springFirst = hourly.parse("2026-03-29T00").orElseThrow();
    TimeWindow springLast = hourly.parse("2026-03-29T23").orElseThrow();
    List<TimeWindow> spring = hourly.between(springFirst, springLast, 100);
    assertThat(spring).hasSize(23);
    assertThat(spring).extracting(TimeWindow::name).doesNotContain("2026-03-29T02");
    assertThat(hourly.parse("2026-03-29T02")).isEmpty();

    List<TimeWindow> autumn =
        hourly.between(
            hourly.parse("2026-10-25T00").orElseThrow(),
            hourly.parse("2026-10-25T23").orElseThrow(),
            100);
    assertThat(autumn).hasSize(25);
    assertThat(autumn)
        .extracting(TimeWindow::name)
        .contains("2026-10-25T01", "2026-10-25T02+02:00", "2026-10-25T02+01:00", "2026-10-25T03");
    assertThat(hourly.parse("2026-10-25T02")).as("ambiguous without its offset").isEmpty();
    assertThat(hourly.parse("2026-10-25T02+01:00")).isPresent();
  }

  @Test
  void a_window_is_closed_its_lag_after_its_end() {
    TimeWindows daily =
        windows(TimeWindows.Unit.DAILY, "2026-11-01", ZoneOffset.UTC, Duration.ofHours(2));
    assertThat(daily.newestClosed(Instant.parse("2026-11-28T01:59:00Z")))
        .map(TimeWindow::name)
        .contains("2026-11-26");
    assertThat(daily.newestClosed(Instant.parse("2026-11-28T02:00:00Z")))
        .map(TimeWindow::name)
        .contains("2026-11-27");
    assertThat(daily.newestClosed(Instant.parse("2026-11-01T12:00:00Z"))).isEmpty();
  }

  @Test
  void weekly_windows_are_named_by_their_monday_and_monthly_by_their_month() {
    TimeWindows weekly =
        windows(TimeWindows.Unit.WEEKLY, "2026-11-02", ZoneOffset.UTC, Duration.ZERO);
    assertThat(weekly.containing(Instant.parse("2026-11-28T10:00:00Z")).name())
        .isEqualTo("2026-11-23");
    assertThat(weekly.parse("2026-11-24")).as("a tuesday").isEmpty();
    TimeWindows monthly =
        windows(TimeWindows.Unit.MONTHLY, "2026-01-01", ZoneOffset.UTC, Duration.ZERO);
    assertThat(monthly.newestClosed(Instant.parse("2026-11-28T10:00:00Z")))
        .map(TimeWindow::name)
        .contains("2026-10");
  }

  @Test
  void windows_end_before_end_and_a_name_outside_lists_the_nearest() {
    TimeWindows daily =
        new TimeWindows(
            TimeWindows.Unit.DAILY,
            LocalDateTime.parse("2026-11-01T00:00"),
            LocalDateTime.parse("2026-11-08T00:00"),
            ZoneOffset.UTC,
            Duration.ZERO,
            null);
    assertThat(daily.newestClosed(Instant.parse("2026-12-30T00:00:00Z")))
        .map(TimeWindow::name)
        .contains("2026-11-07");
    assertThat(daily.parse("2026-11-08")).isEmpty();
    assertThat(daily.nearest("2026-11-09", 3))
        .containsExactly("2026-11-05", "2026-11-06", "2026-11-07");
    assertThat(daily.nearest("2026-11-04", 3))
        .containsExactly("2026-11-03", "2026-11-04", "2026-11-05");
  }
}
