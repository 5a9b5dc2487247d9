package dev.keel.connectors.s3;

import dev.keel.KeelException;
import dev.keel.runtime.ObjectStoreException;
import java.io.IOException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the SDK's exceptions into keel's: an HTTP answer becomes an {@link ObjectStoreException}
 * with its status (which {@link dev.keel.runtime.Failures} judges), no answer because of the
 * network one with {@link ObjectStoreException#NO_RESPONSE}, anything else (no credentials, a bad
 * endpoint) a permanent {@link KeelException}. Messages name the bucket and key and the store's
 * error code; the SDK never puts credentials in them.
 */
public final class S3Errors {
  private S3Errors() {}

  public static KeelException translate(SdkException e, S3Location where, String action) {
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
      return new ObjectStoreException(
          where + ": " + action + " failed: " + describe(status, code), status, null);
    }
    if (e instanceof SdkClientException && causedByIo(e)) {
      return new ObjectStoreException(
          where
              + ": "
              + action
              + " failed: the object store did not answer ("
              + e.getMessage()
              + ")",
          ObjectStoreException.NO_RESPONSE,
          e);
    }
    return new KeelException(where + ": " + action + " failed: " + e.getMessage());
  }

  private static boolean causedByIo(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(int status, String code) {
    String what = "HTTP " + status + (code == null || code.isEmpty() ? "" : " " + code);
    return switch (status) {
      case 404 ->
          ("NoSuchBucket".equals(code) ? "no such bucket" : "no such key")
              + " ("
              + what
              + "); check the path and that the object exists";
      case 403 ->
          "access denied ("
              + what
              + "); check that the credentials may read (s3:GetObject) or write (s3:PutObject)"
              + " this bucket";
      case 412 ->
          "the object was replaced while it was read ("
              + what
              + "); run the partition again once the object is complete";
      case 429, 503 -> "the store is throttling requests (" + what + "); keel will retry";
      default -> what;
    };
  }
}
