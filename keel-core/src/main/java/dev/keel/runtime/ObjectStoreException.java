package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * An object store (S3 or an S3-compatible server) answered with an HTTP error, or did not answer.
 * The message names the bucket and key, never the credentials; {@link Failures} decides from {@link
 * #status()} whether a retry can heal it.
 */
public final class ObjectStoreException extends KeelException {
  /** No HTTP answer at all: the connection failed, was cut, or timed out. */
  public static final int NO_RESPONSE = 0;

  private final int status;

  public ObjectStoreException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status, or {@link #NO_RESPONSE}. */
  public int status() {
    return status;
  }
}
