package dev.keel.spec;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The partitions a run is cut into: named values, a date range (inclusive), the single "all", or
 * time windows ({@link TimeWindows}), alone or crossed with values ({@code 2026-11-28/eu}).
 */
public record Partitions(List<String> values, LocalDate from, LocalDate to, TimeWindows windows) {

  public static final String ALL = "all";
  public static final Partitions SINGLE = new Partitions(List.of(ALL), null, null);

  /** Guard against a typo such as a 100-year range creating millions of tasks. */
  public static final int MAX_DATES = 100_000;

  /** Separates the window from the value in the name of a two-dimensional partition. */
  public static final String CELL_SEPARATOR = "/";

  public Partitions(List<String> values, LocalDate from, LocalDate to) {
    this(values, from, to, null);
  }

  public boolean isDates() {
    return from != null;
  }

  public boolean isWindows() {
    return windows != null;
  }

  /** Whether a run has (or may have) more than one partition. */
  public boolean multiple() {
    return isWindows() || isDates() || values.size() > 1;
  }

  /**
   * The partitions of a run "of everything": the values, the dates, or for time windows the cells
   * of the newest closed window (none when no window has closed yet).
   */
  public List<String> list() {
    if (isWindows()) {
      return windows.newestClosed(Instant.now()).map(this::cells).orElse(List.of());
    }
    if (!isDates()) {
      return values;
    }
    List<String> out = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      out.add(d.toString());
    }
    return out;
  }

  /** The partitions of one window: the window, or the window crossed with each value. */
  public List<String> cells(TimeWindow w) {
    if (values.isEmpty()) {
      return List.of(w.name());
    }
    return values.stream().map(v -> w.name() + CELL_SEPARATOR + v).toList();
  }

  public boolean contains(String partition) {
    if (isWindows()) {
      return ref(partition).isPresent();
    }
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

  /**
   * What a source sees of the partition named {@code partition}: its window and value when it is a
   * cell of these time windows; empty when it is not one of them. For other partitions, the name.
   */
  public Optional<PartitionRef> ref(String partition) {
    if (!isWindows()) {
      return Optional.of(PartitionRef.named(partition));
    }
    String window = partition;
    String value = null;
    int slash = partition.indexOf(CELL_SEPARATOR);
    if (slash >= 0) {
      window = partition.substring(0, slash);
      value = partition.substring(slash + 1);
    }
    if (values.isEmpty() != (value == null) || (value != null && !values.contains(value))) {
      return Optional.empty();
    }
    String v = value;
    return windows.parse(window).map(w -> new PartitionRef(partition, w, v));
  }

  /**
   * The partitions a name given on the command line stands for: with windows crossed with values, a
   * bare window ({@code 2026-11-27}) stands for all its cells; any other name for itself.
   */
  public List<String> expand(String name) {
    if (isWindows() && !values.isEmpty() && !name.contains(CELL_SEPARATOR)) {
      Optional<TimeWindow> w = windows.parse(name);
      if (w.isPresent()) {
        return cells(w.get());
      }
    }
    return List.of(name);
  }

  /** The window part of a partition's name ({@code 2026-11-28} of {@code 2026-11-28/eu}). */
  public static String windowOf(String partition) {
    int slash = partition.indexOf(CELL_SEPARATOR);
    return slash < 0 ? partition : partition.substring(0, slash);
  }
}
