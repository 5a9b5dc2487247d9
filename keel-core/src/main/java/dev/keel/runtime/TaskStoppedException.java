package dev.keel.runtime;

import dev.keel.KeelException;

/** The task's work was stopped by its owner (lease lost, drain); nothing was published. */
public class TaskStoppedException extends KeelException {
  public TaskStoppedException(String message) {
    super(message);
  }
}
