package dev.keel.spec;

import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * One window of a time-partitioned pipeline: from {@code start} (inclusive) to {@code end}
 * (exclusive), named by its start ({@code 2026-11-28}, {@code 2026-11-28T13}, {@code 2026-11}). In
 * a zone with daylight saving time a day can last 23 or 25 hours.
 */
public record TimeWindow(String name, ZonedDateTime start, ZonedDateTime end) {
  public Instant startInstant() {
    return start.toInstant();
  }

  public Instant endInstant() {
    return end.toInstant();
  }

  @Override
  public String toString() {
    return name;
  }
}
