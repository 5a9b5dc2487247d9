package dev.keel.runtime;

import dev.keel.KeelException;

/** A rollback that cannot be done as asked (unknown run, not kept, …); nothing was changed. */
public class RollbackRefusedException extends KeelException {
  public RollbackRefusedException(String message) {
    super(message);
  }
}
