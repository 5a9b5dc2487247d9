package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * An attempt ran longer than the pipeline's {@code attempt_timeout} and its work was cancelled.
 * Transient: a stalled peer or a slow day may be over at the next attempt, which the retry policy
 * bounds.
 */
public class AttemptTimeoutException extends KeelException {
  public AttemptTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
