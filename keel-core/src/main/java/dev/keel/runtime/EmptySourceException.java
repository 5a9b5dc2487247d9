package dev.keel.runtime;

import dev.keel.KeelException;

/**
 * The source yielded no records and publishing would have deleted rows (mode replace): refused, the
 * target untouched. Permanent: reading the same empty source again changes nothing.
 */
public class EmptySourceException extends KeelException {
  public EmptySourceException(String message) {
    super(message);
  }
}
