package dev.keel.store;

import dev.keel.KeelException;

/** This node no longer holds the task (its lease expired and another claim took it). */
public class LeaseLostException extends KeelException {
  public LeaseLostException(String message) {
    super(message);
  }
}
