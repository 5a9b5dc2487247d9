package dev.keel.runtime;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * The one table that says which failures a retry can heal. Transient: lost or refused connections
 * (SQLSTATE class 08), serialization failures (40001), deadlocks (40P01), insufficient resources
 * (class 53), operator intervention/shutdown (57P01-57P03), socket timeouts and resets. Everything
 * else (bad SQL, a missing table or column, a constraint, bad data, a rejected-row limit) is
 * permanent: retrying would fail the same way.
 */
public final class Failures {
  private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "57P01", "57P02", "57P03", "55P03");
  private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53");

  private Failures() {}

  public static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RejectedLimitException || t instanceof FenceRefusedException) {
        return false;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        return TRANSIENT_STATES.contains(state) || (state.length() == 5 && TRANSIENT_CLASSES.contains(state.substring(0, 2)));
      }
      if (t instanceof SQLTransientException || t instanceof SocketTimeoutException || t instanceof ConnectException
          || t instanceof SocketException || t instanceof EOFException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A short label for a failure, for metrics tags and alert summaries: one of {@code connection},
   * {@code serialization}, {@code deadlock}, {@code resources}, {@code shutdown}, {@code lock},
   * {@code timeout}, {@code rejected_limit}, {@code fence_refused}, {@code permanent}. The set is
   * closed so a metric tagged with it cannot grow without bound.
   */
  public static String cause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RejectedLimitException) {
        return "rejected_limit";
      }
      if (t instanceof FenceRefusedException) {
        return "fence_refused";
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08")) {
          return "connection";
        }
        return switch (state) {
          case "40001" -> "serialization";
          case "40P01" -> "deadlock";
          case "55P03" -> "lock";
          case "57P01", "57P02", "57P03" -> "shutdown";
          default -> state.startsWith("53") ? "resources" : "permanent";
        };
      }
      if (t instanceof SocketTimeoutException || t instanceof SQLTransientException) {
        return "timeout";
      }
      if (t instanceof ConnectException || t instanceof SocketException || t instanceof EOFException) {
        return "connection";
      }
    }
    return "permanent";
  }
}
