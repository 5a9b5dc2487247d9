package dev.keel.connectors.files;

import dev.keel.KeelException;
import dev.keel.record.Coercion;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens a text file (or any byte stream, {@link #decode}) as a stream of characters. A {@code .gz}
 * name means gzip. Bytes that are not valid in the charset (and only those: a well-formed U+FFFD is
 * data) become {@link Coercion#MALFORMED}, a lone surrogate no valid input decodes to, rather than
 * failing the file, so only the records holding them are rejected (by {@link Coercion}).
 */
public final class TextFiles {
  private static final int BUFFER = 64 * 1024;

  private TextFiles() {}

  public static Reader open(Path file, Charset charset) {
    if (Files.isDirectory(file)) {
      throw new KeelException(
          file
              + ": is a directory; a source path names one file (use ${partition} in it for one"
              + " file per partition)");
    }
    InputStream in;
    try {
      in = Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new KeelException(file + ": file not found");
    } catch (IOException e) {
      throw new KeelException(file + ": cannot open: " + e.getMessage(), e);
    }
    return decode(in, file.toString(), charset);
  }

  /**
   * Decodes {@code raw} (gunzipped first when {@code name} ends in {@code .gz}); closes it if that
   * fails.
   */
  public static Reader decode(InputStream raw, String name, Charset charset) {
    Charset cs = charset == null ? StandardCharsets.UTF_8 : charset;
    InputStream in = raw;
    try {
      in = new BufferedInputStream(raw, BUFFER);
      if (name.endsWith(".gz")) {
        in = new CorruptGzip.Guard(new GZIPInputStream(in, BUFFER));
      }
      CharsetDecoder decoder =
          cs.newDecoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE)
              .replaceWith(String.valueOf(Coercion.MALFORMED));
      return new InputStreamReader(in, decoder);
    } catch (EOFException e) {
      closeQuietly(in);
      // No cause attached: an EOFException in the chain would classify as a lost connection.
      throw new KeelException(
          name + ": " + CorruptGzip.TRUNCATED + " (it ends inside the gzip header)");
    } catch (ZipException e) {
      closeQuietly(in);
      throw new KeelException(
          name
              + ": not a gzip file ("
              + e.getMessage()
              + "); remove the .gz suffix or compress it");
    } catch (IOException e) {
      closeQuietly(in);
      throw new KeelException(name + ": cannot open: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(in);
      throw e;
    }
  }

  /** A cap for messages: {@code 8 MiB}, {@code 4 KiB} or {@code 100 bytes}. */
  public static String formatCap(long cap) {
    if (cap % (1024 * 1024) == 0) {
      return cap / (1024 * 1024) + " MiB";
    }
    if (cap % 1024 == 0) {
      return cap / 1024 + " KiB";
    }
    return cap + " bytes";
  }

  private static void closeQuietly(InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one worth reporting
      }
    }
  }
}
