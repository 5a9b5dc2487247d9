package dev.keel.connectors.s3;

import dev.keel.runtime.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * An S3 object's bytes, streamed: never downloaded whole. When the connection breaks (or ends
 * before the object's length) mid-object, reading goes on with a ranged GET from the byte reached,
 * fenced by the ETag ({@code If-Match}) so the rest cannot come from a newer object; after {@value
 * #MAX_RESUMES} breaks in a row without a byte read, the failure is an {@link ObjectStoreException}
 * with no response, which {@link dev.keel.runtime.Failures} retries.
 */
public final class S3ObjectStream extends InputStream {
  static final int MAX_RESUMES = 5;

  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStream.class);

  private final S3Client s3;
  private final S3Location where;
  private final String etag;
  private final long length;

  /** The byte after the last one to read, or -1: to the object's end. */
  private final long end;

  private ResponseInputStream<GetObjectResponse> body;
  private long position;
  private int breaks;
  private int resumes;

  /** Opens the object: a missing key or a refusal fails here, before anything is read. */
  public S3ObjectStream(S3Client s3, S3Location where) {
    this(s3, where, 0, null);
  }

  /**
   * Opens the object from byte {@code from} (a ranged GET); with {@code etag}, only if the object
   * is still that version (else a permanent 412: it was replaced since).
   */
  public S3ObjectStream(S3Client s3, S3Location where, long from, String etag) {
    this(s3, where, from, -1, etag);
  }

  /**
   * Opens bytes {@code from} to {@code end} (exclusive; -1: the object's end) of the object, as
   * above: a reader that needs a part of an object (a Parquet column chunk) asks only for it.
   */
  public S3ObjectStream(S3Client s3, S3Location where, long from, long end, String etag) {
    this.s3 = s3;
    this.where = where;
    this.end = end;
    this.position = from;
    this.body = get(from, etag);
    this.etag = body.response().eTag();
    Long len = body.response().contentLength();
    this.length = len == null ? -1 : from + len;
  }

  /** The version read (the object's ETag), to fence a later ranged read with. */
  public String etag() {
    return etag;
  }

  private ResponseInputStream<GetObjectResponse> get(long from, String ifMatch) {
    GetObjectRequest.Builder req =
        GetObjectRequest.builder().bucket(where.bucket()).key(where.key());
    if (end >= 0) {
      req.range("bytes=" + from + "-" + (end - 1));
    } else if (from > 0) {
      req.range("bytes=" + from + "-");
    }
    if (ifMatch != null) {
      req.ifMatch(ifMatch);
    }
    try {
      return s3.getObject(req.build());
    } catch (SdkException e) {
      throw S3Errors.translate(e, where, "GET");
    }
  }

  /** Ranged GETs made after a broken connection. */
  public int resumes() {
    return resumes;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (true) {
      Exception broken;
      try {
        int n = body.read(b, off, len);
        if (n > 0) {
          position += n;
          breaks = 0;
          return n;
        }
        if (n < 0 && length >= 0 && position < length) {
          broken = new IOException("the response ended at byte " + position + " of " + length);
        } else {
          return n;
        }
      } catch (IOException | SdkException e) {
        broken = e;
      }
      resume(broken);
    }
  }

  private void resume(Exception cause) {
    Exception broken = cause;
    while (true) {
      if (++breaks > MAX_RESUMES) {
        throw new ObjectStoreException(
            where
                + ": the connection broke "
                + MAX_RESUMES
                + " times in a row at byte "
                + position
                + " ("
                + broken.getMessage()
                + ")",
            ObjectStoreException.NO_RESPONSE,
            broken);
      }
      LOG.info(
          "{}: connection lost at byte {} of {} ({}); resuming with a ranged GET",
          where,
          position,
          length,
          broken.getMessage());
      closeQuietly();
      pause(breaks);
      resumes++;
      try {
        body = get(position, etag);
        return;
      } catch (ObjectStoreException e) {
        if (e.status() != ObjectStoreException.NO_RESPONSE) {
          throw e; // an answer, such as 412: the object was replaced; resuming cannot help
        }
        broken = e;
      }
    }
  }

  /**
   * 100 ms, 200 ms, 400 ms… before the next ranged GET: a store that just dropped us may recover.
   */
  private static void pause(int attempt) {
    try {
      Thread.sleep(Math.min(2000L, 100L << Math.min(attempt - 1, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ObjectStoreException(
          "interrupted while resuming an S3 read", ObjectStoreException.NO_RESPONSE, e);
    }
  }

  private void closeQuietly() {
    try {
      body.abort();
      body.close();
    } catch (IOException | RuntimeException ignored) {
      // the connection is already broken; the ranged GET is what matters
    }
  }

  @Override
  public void close() throws IOException {
    // Abort rather than drain: closing a half-read body would otherwise read the rest of it.
    body.abort();
    body.close();
  }
}
