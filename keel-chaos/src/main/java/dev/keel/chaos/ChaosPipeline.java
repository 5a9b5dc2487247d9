package dev.keel.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline {@code keel chaos} keeps running: {@value #NAME}, CSV partitions by day appended to
 * the table {@code public.chaos_orders}. Each run loads days no other run loads, so the rows of a
 * day tell which run published them, and a day's count and checksum must match what was generated,
 * once.
 */
public final class ChaosPipeline {
  public static final String NAME = "chaos_orders";
  public static final String TABLE = "public." + NAME;

  /** Day 0 of the partitions; a partition's number is its distance from this day. */
  static final LocalDate FIRST_DAY = LocalDate.of(2000, 1, 1);

  static final LocalDate LAST_DAY = LocalDate.of(2099, 12, 31);

  private final Path dir;
  private final int partitionsPerRun;
  private final int rowsPerPartition;
  private int nextPartition;

  public ChaosPipeline(Path dir, int partitionsPerRun, int rowsPerPartition) {
    this.dir = dir;
    this.partitionsPerRun = partitionsPerRun;
    this.rowsPerPartition = rowsPerPartition;
  }

  public Path dir() {
    return dir;
  }

  public int rowsPerPartition() {
    return rowsPerPartition;
  }

  /** Writes the pipeline file; its data is written run by run ({@link #nextRun}). */
  public Path write() throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Path file = dir.resolve(NAME + ".yaml");
    Files.writeString(
        file,
        "# Written by keel chaos: every run appends days no other run loads.\n"
            + GeneratedRows.appendPipeline(
                NAME,
                "dates: { from: " + FIRST_DAY + ", to: " + LAST_DAY + " }",
                "{ attempts: 30, backoff: 200ms, max_backoff: 2s }"));
    return file;
  }

  /** Writes the data of the next run's days and returns those days. */
  public List<String> nextRun() throws IOException {
    List<String> days = new ArrayList<>();
    for (int i = 0; i < partitionsPerRun; i++) {
      int p = nextPartition++;
      String day = day(p);
      GeneratedRows.writeCsv(dir.resolve("data").resolve(day + ".csv"), p, rowsPerPartition);
      days.add(day);
    }
    return days;
  }

  public static String day(int partition) {
    return FIRST_DAY.plusDays(partition).toString();
  }

  public static int partition(String day) {
    return (int) java.time.temporal.ChronoUnit.DAYS.between(FIRST_DAY, LocalDate.parse(day));
  }
}
