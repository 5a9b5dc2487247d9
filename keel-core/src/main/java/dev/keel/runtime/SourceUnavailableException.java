package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * A source's server could not be reached or did not answer in time (a Kafka broker that is down):
 * transient, the attempt is retried per {@code retry:}. Thrown by connectors whose client library
 * has its own exception types, so that {@link Failures} need not know them.
 */
public class SourceUnavailableException extends KeelException {
  public SourceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
