package dev.keel.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import dev.keel.runtime.Failures;
import java.sql.SQLException;

/**
 * HikariCP's eviction rule, widened by one case: a connection whose server answered "read-only"
 * (SQLSTATE 25006) is dropped from the pool. HikariCP evicts on connection errors (class 08) by
 * itself, but a primary demoted to a standby keeps its sockets open and answers every write with
 * 25006; without this the pool would hand that connection out again and again, while the new
 * connection it would open through a multi-host URL with {@code targetServerType=primary} goes to
 * the promoted server.
 */
public final class FailoverEviction implements SQLExceptionOverride {
  @java.lang.Override
  public Override adjudicate(SQLException e) {
    return Failures.readOnly(e) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
  }
}
