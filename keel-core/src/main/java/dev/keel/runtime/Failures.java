package dev.keel.runtime;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLNonTransientException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Map;

/**
 * The one table that says which failures a retry can heal.
 *
 * <p>Transient: an attempt that ran past its {@code attempt_timeout}; lost or refused connections
 * (SQLSTATE class 08, except 08004), serialization failures (40001), deadlocks (40P01),
 * insufficient resources such as disk full or too many connections (class 53), operator
 * intervention and shutdown (57P01-57P03), statement timeouts and cancels (57014), lock timeouts
 * (55P03); a server that became read-only (25006, "cannot execute … in a read-only transaction": a
 * standby, the database failing over, {@link #isFailover}); MariaDB/MySQL lock wait timeout (1205),
 * deadlock (1213), too many connections (1040), server gone away or lost (2006, 2013), cannot
 * connect (2002, 2003); socket timeouts, resets and refused connections; an object store that
 * throttles (HTTP 429, 503 SlowDown), fails (other 5xx), times out (408) or does not answer; a
 * source whose server is unavailable ({@link UnreachableException}: a Kafka broker down or not
 * answering).
 *
 * <p>Permanent, failing the task at once: everything else, notably a connection the server rejected
 * (08004: no password given, pg_hba.conf), bad SQL (42601, MySQL 1064), an undefined table or
 * column (42P01, 42703, MySQL 1146, 1054), permission denied (42501), authentication (28P01, 28000,
 * MySQL 1045), a missing database (3D000, MySQL 1049), data errors (class 22), constraint
 * violations (class 23), an unknown host, a rejected-row limit, an empty source refused in replace
 * mode, a fence refusal, an object store's other answers (403 access denied, 404 no such bucket or
 * key, 412 the object changed while read); an {@link Error} in a worker (out of memory, a stack
 * overflow): the same input would fail the same way.
 */
public final class Failures {
  /** The verdict and the reason a person reads. */
  public record Verdict(boolean retry, String kind) {}

  private static final Map<String, String> TRANSIENT_STATES =
      Map.of(
          "40001", "serialization failure",
          "40P01", "deadlock",
          "57P01", "server shutting down",
          "57P02", "server crashed",
          "57P03", "server starting up",
          "57014", "statement timeout or cancel",
          "55P03", "lock not available");

  /** What a server that became read-only answers a write (PostgreSQL 25006). */
  private static final String READ_ONLY_STATE = "25006";

  private static final String FAILOVER_KIND =
      "failover: the server is read-only (a standby; the primary moved)";

  private static final Map<String, String> TRANSIENT_CLASSES =
      Map.of(
          "08", "connection lost or refused",
          "53", "insufficient resources (disk full, out of memory, too many connections)");
  private static final Map<Integer, String> TRANSIENT_MYSQL_CODES =
      Map.of(
          1205, "lock wait timeout",
          1213, "deadlock",
          1040, "too many connections",
          2002, "cannot connect",
          2003, "cannot connect",
          2006, "server has gone away",
          2013, "lost connection during query");
  private static final Map<String, String> PERMANENT_STATES =
      Map.of(
          // Class 08, but the server answered and said no (PgJDBC: no password given when the
          // server asks
          // for one, or pg_hba.conf rejects the host or user); asking again gets the same answer.
          "08004",
              "the server rejected the connection (no password given, or pg_hba.conf refuses this host or user)",
          "28P01", "authentication failed (check user and password)",
          "28000", "authentication failed (check user and password)",
          "3D000", "the database does not exist",
          "42501", "permission denied",
          "42P01", "undefined table",
          "42703", "undefined column",
          "42601", "SQL syntax error");

  private Failures() {}

  public static boolean isTransient(Throwable error) {
    return classify(error).retry();
  }

  public static Verdict classify(Throwable error) {
    if (isFailover(error)) {
      // Before any "connection closed" in the same chain: that is the pool evicting the read-only
      // connection, a consequence of the failover.
      return new Verdict(true, FAILOVER_KIND);
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AttemptTimeoutException) {
        return new Verdict(true, "attempt timeout");
      }
      if (t instanceof RejectedLimitException) {
        return new Verdict(false, "rejected-record limit exceeded");
      }
      if (t instanceof UnreachableException) {
        return new Verdict(true, "server unreachable");
      }
      if (t instanceof Error) {
        return new Verdict(false, "internal error (" + t.getClass().getSimpleName() + ")");
      }
      if (t instanceof FenceRefusedException) {
        return new Verdict(false, "fence refused (a newer claim owns the partition)");
      }
      if (t instanceof EmptySourceException) {
        return new Verdict(
            false, "empty source refused (replace would delete the partition's rows)");
      }
      if (t instanceof ObjectStoreException os) {
        return classifyHttp(os.status());
      }
      if (t instanceof SQLException sql) {
        Verdict v = classifySql(sql);
        if (v != null) {
          return v;
        }
      }
      if (t instanceof UnknownHostException) {
        return new Verdict(false, "unknown host");
      }
      if (t instanceof SocketTimeoutException
          || t instanceof ConnectException
          || t instanceof SocketException
          || t instanceof EOFException) {
        return new Verdict(true, "network: " + t.getClass().getSimpleName());
      }
    }
    return new Verdict(false, "permanent");
  }

  /**
   * Whether no connection to the database could be made at all (refused, timed out connecting, a
   * pool that waited its whole timeout for one), as opposed to a connection that broke while in
   * use. An attempt that fails this way was not the victim of a blip: its database was away.
   */
  public static boolean couldNotConnect(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof java.sql.SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && "08001".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a statement was refused because its server is read-only: SQLSTATE 25006, or the text
   * PostgreSQL gives it ("cannot execute INSERT in a read-only transaction") when a wrapper lost
   * the state. Behind a multi-host URL ({@code targetServerType=primary}) this is a connection made
   * to the primary before a failover and now talking to a demoted or standby server: the connection
   * must be dropped (the pool's next one finds the new primary) and the attempt not spent.
   */
  public static boolean isFailover(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && readOnly(sql)) {
        return true;
      }
      // A wrapper (Flyway) that failed to roll back on the evicted connection reports "Connection
      // is closed" and keeps the read-only refusal only as suppressed or as a deeper cause.
      for (Throwable s : t.getSuppressed()) {
        if (s != t && isFailover(s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** One exception, without its causes: {@link #isFailover}'s test, for a pool's eviction rule. */
  public static boolean readOnly(SQLException sql) {
    if (READ_ONLY_STATE.equals(sql.getSQLState())) {
      return true;
    }
    String m = sql.getMessage();
    return m != null && m.contains("cannot execute ") && m.contains("in a read-only transaction");
  }

  /**
   * A pooled connection used after the database went away: the pool or the driver says it is closed
   * without an SQLSTATE (HikariCP's "Connection is closed", PgJDBC's "This connection has been
   * closed."), e.g. inside Flyway's check of the sink schema.
   */
  private static boolean closedConnection(SQLException sql) {
    String m = sql.getMessage();
    return sql.getSQLState() == null
        && m != null
        && (m.startsWith("Connection is closed")
            || m.startsWith("This connection has been closed"));
  }

  /** An object store's HTTP status ({@link ObjectStoreException#NO_RESPONSE}: no answer). */
  private static Verdict classifyHttp(int status) {
    if (status == ObjectStoreException.NO_RESPONSE) {
      return new Verdict(true, "object store unreachable or timed out");
    }
    if (status == 429 || status == 503) {
      return new Verdict(true, "object store throttling (HTTP " + status + ")");
    }
    if (status == 408 || status >= 500) {
      return new Verdict(true, "object store error (HTTP " + status + ")");
    }
    return new Verdict(false, "object store refused (HTTP " + status + ")");
  }

  private static Verdict classifySql(SQLException sql) {
    if (readOnly(sql)) {
      return new Verdict(true, FAILOVER_KIND);
    }
    String state = sql.getSQLState();
    if (state != null && state.length() == 5) {
      if (TRANSIENT_STATES.containsKey(state)) {
        return new Verdict(true, TRANSIENT_STATES.get(state));
      }
      if (PERMANENT_STATES.containsKey(state)) {
        return new Verdict(false, PERMANENT_STATES.get(state));
      }
      String cls = state.substring(0, 2);
      if (TRANSIENT_CLASSES.containsKey(cls)) {
        return new Verdict(true, TRANSIENT_CLASSES.get(cls));
      }
    }
    if (TRANSIENT_MYSQL_CODES.containsKey(sql.getErrorCode())
        && !"org.postgresql.util.PSQLException".equals(sql.getClass().getName())) {
      return new Verdict(true, TRANSIENT_MYSQL_CODES.get(sql.getErrorCode()));
    }
    if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException) {
      return new Verdict(true, "transient database error");
    }
    if (sql instanceof SQLNonTransientException || state != null) {
      return new Verdict(false, "database error SQLSTATE " + state);
    }
    if (closedConnection(sql)) {
      return new Verdict(true, "connection closed");
    }
    // No SQLSTATE: the driver lost the socket before the server said anything; look at the cause.
    return null;
  }

  /**
   * A short label for a failure, for metric tags and alert summaries: one of the closed set of
   * {@link FailureCause}s ({@code connection}, {@code failover}, {@code serialization}, {@code
   * deadlock}, {@code resources}, {@code shutdown}, {@code lock}, {@code timeout}, {@code
   * rejected_limit}, {@code fence_refused}, {@code permanent}), so a metric tagged with it cannot
   * grow without bound.
   */
  public static FailureCause causeOf(Throwable error) {
    if (isFailover(error)) {
      return FailureCause.FAILOVER;
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && closedConnection(sql)) {
        return FailureCause.CONNECTION;
      }
      if (t instanceof SQLException sql && readOnly(sql)) {
        return FailureCause.FAILOVER;
      }
      if (t instanceof ObjectStoreException os) {
        int s = os.status();
        return s == ObjectStoreException.NO_RESPONSE || s == 408
            ? FailureCause.CONNECTION
            : s == 429 || s == 503
                ? FailureCause.RESOURCES
                : s >= 500 ? FailureCause.CONNECTION : FailureCause.PERMANENT;
      }
      if (t instanceof AttemptTimeoutException) {
        return FailureCause.TIMEOUT;
      }
      if (t instanceof RejectedLimitException) {
        return FailureCause.REJECTED_LIMIT;
      }
      if (t instanceof FenceRefusedException) {
        return FailureCause.FENCE_REFUSED;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08") && !state.equals("08004")) {
          return FailureCause.CONNECTION;
        }
        return switch (state) {
          case "40001" -> FailureCause.SERIALIZATION;
          case "40P01" -> FailureCause.DEADLOCK;
          case "55P03" -> FailureCause.LOCK;
          case "57P01", "57P02", "57P03" -> FailureCause.SHUTDOWN;
          default -> state.startsWith("53") ? FailureCause.RESOURCES : FailureCause.PERMANENT;
        };
      }
      if (t instanceof SocketTimeoutException || t instanceof SQLTransientException) {
        return FailureCause.TIMEOUT;
      }
      if (t instanceof ConnectException
          || t instanceof SocketException
          || t instanceof EOFException) {
        return FailureCause.CONNECTION;
      }
    }
    return FailureCause.PERMANENT;
  }

  /** {@link #causeOf}'s tag, e.g. {@code connection}: the text metrics and logs show. */
  public static String cause(Throwable error) {
    return causeOf(error).tag();
  }
}
