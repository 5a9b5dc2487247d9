package dev.keel.runtime;

import dev.keel.KeelException;

/** More records were rejected than validate.max_rejected allows; nothing was published. */
public class RejectedLimitException extends KeelException {
  public RejectedLimitException(String message) {
    super(message);
  }
}
