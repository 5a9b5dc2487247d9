package dev.keel.connectors.postgres;

import dev.keel.spec.Column;
import dev.keel.spec.Identifiers;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows COPYed straight into the target, when nothing there can conflict with them (an append
 * without the unique rule; an upsert into an empty target, whose unique index on the key then
 * refuses a repeated key): no staging table, no duplicate-key pass, no merge. It is the first
 * statement of the publish transaction (the fence is checked before the commit as always), and
 * every row also goes, with its source position, to a spill file on local disk: when the target
 * refuses anything (a repeated key, a CHECK, a foreign key, a value), the transaction, which holds
 * nothing else, is rolled back, and the rows are read back from the file into the ordinary staging
 * path, which finds and dead-letters the culprits exactly as if the direct COPY had never been
 * tried. No savepoint: the rows carry the transaction's own id, which is how keep_versions finds
 * them ({@link LoadVersions#recordCopied}). The source is read once; the heap holds one COPY buffer
 * (the file is written through a 64 KiB buffer).
 */
final class DirectCopy implements AutoCloseable {
  private static final int FILE_BUFFER = 1 << 16;

  private final Path file;
  private final OutputStream out;
  private final CopyIn copy;
  private final byte[] number = new byte[20];

  /** The spill file (for tests). */
  Path file() {
    return file;
  }

  private DirectCopy(Path file, OutputStream out, CopyIn copy) {
    this.file = file;
    this.out = out;
    this.copy = copy;
  }

  /**
   * Starts a COPY into {@code target} in {@code conn}'s transaction, which holds nothing else
   * (deferred constraints were made immediate before, so a violation fails the COPY, not the
   * commit).
   */
  static DirectCopy open(Connection conn, TargetTable target, List<Column> columns)
      throws SQLException {
    Path file;
    OutputStream out;
    try {
      file = Files.createTempFile("keel-direct-", ".copy");
      out = new BufferedOutputStream(Files.newOutputStream(file), FILE_BUFFER);
    } catch (IOException e) {
      throw new UncheckedIOException("creating a spill file for a direct COPY", e);
    }
    String cols =
        columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
    CopyIn copy =
        conn.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn("COPY " + target.qualified + " (" + cols + ") FROM STDIN");
    return new DirectCopy(file, out, copy);
  }

  CopyIn copy() {
    return copy;
  }

  /**
   * Keeps one row ({@code bytes[from, to)}, a COPY line without its position) for a fallback, as a
   * staging line: its position, a tab, the line.
   */
  void keep(long position, byte[] bytes, int from, int to) {
    try {
      int n = number.length;
      long p = position;
      do {
        number[--n] = (byte) ('0' + p % 10);
        p /= 10;
      } while (p > 0);
      out.write(number, n, number.length - n);
      out.write('\t');
      out.write(bytes, from, to - from);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the spill file " + file, e);
    }
  }

  /** The COPY went through: the rows are in the target, the file not needed. */
  void complete() {
    close();
  }

  /**
   * The target refused something: the COPY (if still open) is cancelled and the transaction rolled
   * back; returns the rows kept, as staging lines, to be staged instead.
   */
  InputStream abandon(Connection conn) throws SQLException {
    if (copy.isActive()) {
      try {
        copy.cancelCopy();
      } catch (SQLException e) {
        // Already failed on the server side: the rollback below is what matters.
      }
    }
    conn.rollback();
    try {
      out.close();
      return new BufferedInputStream(Files.newInputStream(file), FILE_BUFFER);
    } catch (IOException e) {
      throw new UncheckedIOException("reading back the spill file " + file, e);
    }
  }

  /** Reads one staging line (its '\n' included) into {@code line}; false at the end. */
  static boolean readLine(InputStream in, Line line) throws IOException {
    line.length = 0;
    int b;
    while ((b = in.read()) >= 0) {
      line.add((byte) b);
      if (b == '\n') {
        return true;
      }
    }
    return line.length > 0;
  }

  /** A reusable line buffer for {@link #readLine}. */
  static final class Line {
    byte[] data = new byte[256];
    int length;

    private void add(byte b) {
      if (length == data.length) {
        data = java.util.Arrays.copyOf(data, data.length * 2);
      }
      data[length++] = b;
    }

    long position() {
      long p = 0;
      for (int i = 0; i < length && data[i] != '\t'; i++) {
        p = p * 10 + (data[i] - '0');
      }
      return p;
    }

    @Override
    public String toString() {
      return new String(data, 0, length, StandardCharsets.UTF_8);
    }
  }

  /** Deletes the spill file. */
  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      // Nothing to keep: the file goes next.
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      file.toFile().deleteOnExit();
    }
  }
}
