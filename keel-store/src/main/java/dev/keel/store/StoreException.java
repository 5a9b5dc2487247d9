package dev.keel.store;

import dev.keel.KeelException;
import java.sql.SQLException;

/** A database error translated at the store boundary, with what was being done. */
public class StoreException extends KeelException {
  private final String sqlState;

  public StoreException(String doing, SQLException cause) {
    super(
        doing + " failed: " + cause.getMessage() + " (SQLSTATE " + cause.getSQLState() + ")",
        cause);
    this.sqlState = cause.getSQLState();
  }

  /**
   * A message of its own, keeping the cause (and its SQLSTATE, if it has one) for classification.
   */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
    this.sqlState = cause instanceof SQLException sql ? sql.getSQLState() : null;
  }

  public StoreException(String message) {
    super(message);
    this.sqlState = null;
  }

  public String sqlState() {
    return sqlState;
  }
}
