package dev.keel.testkit;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
        """
        name: %s
        partitions:
          values: [%s]
        source:
          csv: { path: "data/${partition}.csv", header: true }
        columns:
          id: bigint
          v: text
          amount: numeric(12,2)
        sink:
          postgres: { table: %s, mode: append }
        retry: { attempts: 6, backoff: 200ms, max_backoff: 1s }
        """
            .formatted(name, String.join(", ", partitions), name));
    for (int p = 0; p < partitions.size(); p++) {
      try (Writer w =
          Files.newBufferedWriter(dir.resolve("data").resolve(partitions.get(p) + ".csv"))) {
        w.write("id,v,amount\n");
        for (int i = 0; i < rowsEach; i++) {
          long id = id(p, i);
          w.write(id + ",v" + id + "," + amount(id) + "\n");
        }
      }
    }
  }

  public static long id(int partition, int i) {
    return (partition + 1) * 10_000_000L + i;
  }

  public static String amount(long id) {
    return (id % 100_000) + "." + String.format("%02d", id % 100);
  }

  /** What {@link #CHECKSUM_SQL} returns over exactly the generated rows. */
  public static String expectedChecksum(int partitions, int rowsEach) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      boolean first = true;
      for (int p = 0; p < partitions; p++) {
        for (int i = 0; i < rowsEach; i++) {
          long id = id(p, i);
          md5.update(
              ((first ? "" : "|") + id + ",v" + id + "," + amount(id))
                  .getBytes(StandardCharsets.UTF_8));
          first = false;
        }
      }
      return String.format("%032x", new BigInteger(1, md5.digest()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String checksumSql(String table) {
    return "SELECT md5(string_agg(id || ',' || v || ',' || amount, '|' ORDER BY id)) FROM public."
        + table;
  }
}
