package dev.keel.connectors.files;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipException;

/**
 * A gzip file that ends early or holds bad compressed data. The JDK reports it as an {@link
 * EOFException} or a {@link ZipException}, and an EOFException reads as a lost connection to {@link
 * dev.keel.runtime.Failures}, so a truncated file would be retried as if the network had failed.
 * The file will not heal: this exception carries no cause, so it classifies as permanent, and the
 * sources name the file and the line reached.
 */
public final class CorruptGzip extends IOException {
  static final String TRUNCATED =
      "the gzip file is truncated: it ends before its compressed data does; copy or write it"
          + " again completely";

  public CorruptGzip(String message) {
    super(message);
  }

  /** Reads a {@link java.util.zip.GZIPInputStream}, turning its errors into {@link CorruptGzip}. */
  public static final class Guard extends FilterInputStream {
    Guard(InputStream gzip) {
      super(gzip);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (EOFException e) {
        throw new CorruptGzip(TRUNCATED);
      } catch (ZipException e) {
        throw new CorruptGzip("the gzip data is corrupt (" + e.getMessage() + ")");
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (EOFException e) {
        throw new CorruptGzip(TRUNCATED);
      } catch (ZipException e) {
        throw new CorruptGzip("the gzip data is corrupt (" + e.getMessage() + ")");
      }
    }
  }
}
