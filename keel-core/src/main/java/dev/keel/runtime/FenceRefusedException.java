package dev.keel.runtime;

import dev.keel.KeelException;

/** A publish carried a fencing token older than the partition's newest claim, and was refused. */
public class FenceRefusedException extends KeelException {
  public FenceRefusedException(String message) {
    super(message);
  }
}
