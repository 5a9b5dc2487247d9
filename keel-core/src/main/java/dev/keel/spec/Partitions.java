package dev.keel.spec;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The partitions a run is cut into: named values, a date range (inclusive), or the single "all".
 */
public record Partitions(List<String> values, LocalDate from, LocalDate to) {

  public static final String ALL = "all";
  public static final Partitions SINGLE = new Partitions(List.of(ALL), null, null);

  /** Guard against a typo such as a 100-year range creating millions of tasks. */
  public static final int MAX_DATES = 100_000;

  public boolean isDates() {
    return from != null;
  }

  public List<String> list() {
    if (!isDates()) {
      return values;
    }
    List<String> out = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      out.add(d.toString());
    }
    return out;
  }

  public boolean contains(String partition) {
    if (!isDates()) {
      return values.contains(partition);
    }
    try {
      LocalDate d = LocalDate.parse(partition);
      return !d.isBefore(from) && !d.isAfter(to);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
