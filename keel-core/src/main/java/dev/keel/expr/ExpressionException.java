package dev.keel.expr;

import dev.keel.KeelException;

/**
 * An expression that does not parse or type-check ({@code column} is the 1-based position in the
 * expression text, or 0 when unknown), or that failed for one record.
 */
public class ExpressionException extends KeelException {
  private final int column;

  public ExpressionException(String message, int column) {
    super(message);
    this.column = column;
  }

  public ExpressionException(String message, int column, Throwable cause) {
    super(message, cause);
    this.column = column;
  }

  public int column() {
    return column;
  }
}
