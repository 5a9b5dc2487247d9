package dev.keel.record;

import dev.keel.KeelException;

/** A text value that cannot become a value of its declared column type; the record is rejected. */
public class CoercionException extends KeelException {
  public CoercionException(String message) {
    super(message);
  }
}
