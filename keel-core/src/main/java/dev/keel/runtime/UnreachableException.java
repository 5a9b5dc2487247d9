package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * A server that a connector reads from or writes to could not be reached or did not answer in time
 * (a Kafka broker that is down): transient, the attempt is retried per {@code retry:}. Thrown by
 * connectors whose client library has its own exception types, so that {@link Failures} need not
 * know them.
 */
public class UnreachableException extends KeelException {
  public UnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
