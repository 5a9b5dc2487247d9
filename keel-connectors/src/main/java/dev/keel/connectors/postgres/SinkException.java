package dev.keel.connectors.postgres;

import dev.keel.KeelException;
import java.sql.SQLException;

/** A sink database error, keeping the SQLSTATE that decides whether a retry can help. */
public class SinkException extends KeelException {
  public SinkException(String message, SQLException cause) {
    super(message, cause);
  }
}
