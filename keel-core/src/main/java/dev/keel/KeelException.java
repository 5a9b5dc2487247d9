package dev.keel;

/**
 * The one unchecked root of keel's errors. Messages name the pipeline, partition, file and line
 * where they are known, and say what to do.
 */
public class KeelException extends RuntimeException {
  public KeelException(String message) {
    super(message);
  }

  public KeelException(String message, Throwable cause) {
    super(message, cause);
  }
}
