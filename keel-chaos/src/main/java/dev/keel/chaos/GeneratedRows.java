package dev.keel.chaos;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Generated CSV rows {@code id,v,amount} whose ids are unique across partitions (the partition's
 * number is in the id), and the checksum {@link #checksumSql} computes over exactly those rows: a
 * row published twice or lost changes it.
 */
public final class GeneratedRows {
  /** Ids of partition {@code p} are {@code (p + 1) * SPAN + i}. */
  public static final long SPAN = 10_000_000L;

  public static final String HEADER = "id,v,amount";

  private GeneratedRows() {}

  public static long id(int partition, int i) {
    return (partition + 1) * SPAN + i;
  }

  /** The partition number an id belongs to (the inverse of {@link #id}). */
  public static int partitionOf(long id) {
    return (int) (id / SPAN) - 1;
  }

  public static String amount(long id) {
    long cents = id % 100; // no String.format: a chaos session writes millions of these
    return (id % 100_000) + (cents < 10 ? ".0" : ".") + cents;
  }

  /** The CSV line of a row, as {@link #checksumSql} renders it too. */
  public static String line(long id) {
    return id + ",v" + id + "," + amount(id);
  }

  /**
   * The text of a pipeline appending these rows from {@code data/${partition}.csv} to table {@code
   * name}, with the given {@code partitions:} and {@code retry:} values.
   */
  public static String appendPipeline(String name, String partitions, String retry) {
    return """
        name: %s
        partitions:
          %s
        source:
          csv: { path: "data/${partition}.csv", header: true }
        columns:
          id: bigint
          v: text
          amount: numeric(12,2)
        sink:
          postgres: { table: %s, mode: append }
        retry: %s
        """
        .formatted(name, partitions, name, retry);
  }

  /** Writes partition {@code partition}'s {@code rows} rows, with a header. */
  public static void writeCsv(Path file, int partition, int rows) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write(HEADER + "\n");
      for (int i = 0; i < rows; i++) {
        w.write(line(id(partition, i)) + "\n");
      }
    }
  }

  /** What {@link #checksumSql} returns over exactly the rows of {@code partitions}. */
  public static String expectedChecksum(int[] partitions, int rowsEach) {
    int[] sorted = partitions.clone();
    java.util.Arrays.sort(sorted);
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      String separator = "";
      for (int p : sorted) {
        for (int i = 0; i < rowsEach; i++) {
          md5.update((separator + line(id(p, i))).getBytes(StandardCharsets.UTF_8));
          separator = "|";
        }
      }
      return String.format("%032x", new BigInteger(1, md5.digest()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The checksum of a table's rows (every row, or those matching {@code where}). */
  public static String checksumSql(String qualifiedTable, String where) {
    return "SELECT md5(string_agg(id || ',' || v || ',' || amount, '|' ORDER BY id)) FROM "
        + qualifiedTable
        + (where == null ? "" : " WHERE " + where);
  }
}
