package dev.keel.parquet;

import dev.keel.connectors.s3.S3Errors;
import dev.keel.connectors.s3.S3Location;
import dev.keel.connectors.s3.S3ObjectStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * An S3 object as Parquet's random-access file, over ranged GETs: Parquet reads the footer at the
 * end first, then each row group's column chunks. Small reads (the footer, page headers) go through
 * a buffer of at most {@code bufferBytes}, filled by one ranged GET; a read at least that long (a
 * column chunk) is fetched straight into the caller's array. So memory is the buffer plus what
 * Parquet asks for (one row group's declared columns), never the object. Every GET is fenced by the
 * ETag seen by the HEAD ({@code If-Match}): an object replaced while it is read is a permanent 412,
 * and a broken connection resumes inside {@link S3ObjectStream}.
 */
final class S3InputFile implements InputFile {
  static final int DEFAULT_BUFFER = 1024 * 1024;

  private final S3Client s3;
  private final S3Location where;
  private final int bufferBytes;
  private final long length;
  private final String etag;
  private int gets;
  private long largestGet;

  S3InputFile(S3Client s3, S3Location where, int bufferBytes) {
    this.s3 = s3;
    this.where = where;
    this.bufferBytes = bufferBytes;
    HeadObjectResponse head;
    try {
      head =
          s3.headObject(
              HeadObjectRequest.builder().bucket(where.bucket()).key(where.key()).build());
    } catch (SdkException e) {
      throw S3Errors.translate(e, where, "HEAD");
    }
    this.length = head.contentLength();
    this.etag = head.eTag();
  }

  @Override
  public long getLength() {
    return length;
  }

  /** Ranged GETs made so far (tests: a file is read in parts, not whole). */
  int gets() {
    return gets;
  }

  /** The most bytes one ranged GET asked for. */
  long largestGet() {
    return largestGet;
  }

  @Override
  public SeekableInputStream newStream() {
    return new RangeStream();
  }

  /** Reads {@code n} bytes at {@code from} into {@code dest}, with one ranged GET. */
  private void fetch(long from, byte[] dest, int off, int n) throws IOException {
    gets++;
    largestGet = Math.max(largestGet, n);
    try (InputStream in = new S3ObjectStream(s3, where, from, from + n, etag)) {
      int done = in.readNBytes(dest, off, n);
      if (done < n) {
        throw new EOFException(where + ": ended at byte " + (from + done) + " of " + length);
      }
    }
  }

  private final class RangeStream extends SeekableInputStream {
    private final byte[] buffer = new byte[(int) Math.min(bufferBytes, Math.max(length, 1))];
    private long bufferStart;
    private int buffered;
    private long pos;

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > length) {
        throw new EOFException(where + ": seek to byte " + newPos + " of " + length);
      }
      pos = newPos;
    }

    private final byte[] one = new byte[1];

    @Override
    public int read() throws IOException {
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - pos);
      if (pos >= bufferStart && pos < bufferStart + buffered) {
        n = (int) Math.min(n, bufferStart + buffered - pos);
        System.arraycopy(buffer, (int) (pos - bufferStart), b, off, n);
      } else if (n >= buffer.length) {
        fetch(pos, b, off, n);
      } else {
        bufferStart = pos;
        buffered = (int) Math.min(buffer.length, length - pos);
        fetch(pos, buffer, 0, buffered);
        System.arraycopy(buffer, 0, b, off, n);
      }
      pos += n;
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      int done = 0;
      while (done < len) {
        int r = read(bytes, start + done, len - done);
        if (r < 0) {
          throw new EOFException(where + ": ended at byte " + pos + " of " + length);
        }
        done += r;
      }
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      int want = buf.remaining();
      if (want == 0) {
        return 0;
      }
      byte[] part = new byte[(int) Math.min(want, Math.max(0, length - pos))];
      if (part.length == 0) {
        return -1;
      }
      int r = read(part, 0, part.length);
      if (r > 0) {
        buf.put(part, 0, r);
      }
      return r;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      if (buf.hasArray()) {
        int n = buf.remaining();
        readFully(buf.array(), buf.arrayOffset() + buf.position(), n);
        buf.position(buf.position() + n);
        return;
      }
      byte[] part = new byte[buf.remaining()];
      readFully(part);
      buf.put(part);
    }
  }
}
