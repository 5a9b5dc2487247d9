package dev.keel.cli;

import dev.keel.KeelException;

/** An argument or setting found wrong after parsing (a malformed --db): exit 2, nothing changed. */
public class BadInputException extends KeelException {
  public BadInputException(String message) {
    super(message);
  }
}
