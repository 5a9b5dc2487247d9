package dev.keel.testkit;

import dev.keel.chaos.GeneratedRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test pipelines and their data: CSV partitions with globally unique ids and a known checksum. */
public final class Pipelines {
  private Pipelines() {}

  public static List<String> partitions(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(String.format("p%02d", i));
    }
    return out;
  }

  /**
   * An append-mode pipeline (a double publish would show as duplicate ids) over {@code partitions}
   * CSV files.
   */
  public static void writeCsvPipeline(Path dir, String name, List<String> partitions, int rowsEach)
      throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(
        dir.resolve(name + ".yaml"),
        GeneratedRows.appendPipeline(
            name,
            "values: [" + String.join(", ", partitions) + "]",
            "{ attempts: 6, backoff: 200ms, max_backoff: 1s }"));
    for (int p = 0; p < partitions.size(); p++) {
      GeneratedRows.writeCsv(dir.resolve("data").resolve(partitions.get(p) + ".csv"), p, rowsEach);
    }
  }

  public static long id(int partition, int i) {
    return GeneratedRows.id(partition, i);
  }

  public static String amount(long id) {
    return GeneratedRows.amount(id);
  }

  /** What {@link #checksumSql} returns over exactly the generated rows. */
  public static String expectedChecksum(int partitions, int rowsEach) {
    return GeneratedRows.expectedChecksum(
        java.util.stream.IntStream.range(0, partitions).toArray(), rowsEach);
  }

  public static String checksumSql(String table) {
    return GeneratedRows.checksumSql("public." + table, null);
  }
}
