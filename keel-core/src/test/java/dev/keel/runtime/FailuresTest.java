package dev.keel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The classification table, row by row. */
class FailuresTest {

  @ParameterizedTest(name = "SQLSTATE {0} is transient={1}")
  @CsvSource({
    "08006, true",
    "08001, true",
    "08S01, true",
    "40001, true",
    "40P01, true",
    "53100, true",
    "53300, true",
    "57P01, true",
    "57014, true",
    "55P03, true",
    "42601, false",
    "42P01, false",
    "42703, false",
    "42501, false",
    "28P01, false",
    "3D000, false",
    "23505, false",
    "23502, false",
    "22003, false",
    "22P02, false",
    "XX000, false"
  })
  void postgres_sqlstates_are_classified(String state, boolean transientError) {
    assertThat(Failures.isTransient(new SQLException("boom", state))).isEqualTo(transientError);
  }

  @ParameterizedTest(name = "MySQL error {0} is transient={1}")
  @CsvSource({
    "1205, true",
    "1213, true",
    "1040, true",
    "2006, true",
    "2013, true",
    "1146, false",
    "1054, false",
    "1064, false",
    "1045, false"
  })
  void mariadb_and_mysql_error_codes_are_classified(int code, boolean transientError) {
    assertThat(Failures.isTransient(new SQLException("boom", "HY000", code)))
        .isEqualTo(transientError);
  }

  @Test
  void an_attempt_timeout_is_transient_even_when_its_cause_is_not() {
    AttemptTimeoutException e =
        new AttemptTimeoutException(
            "attempt exceeded attempt_timeout 2s during reading the source",
            new SQLException("cancelled", "XX000"));
    assertThat(Failures.classify(e)).isEqualTo(new Failures.Verdict(true, "attempt timeout"));
    assertThat(Failures.cause(e)).isEqualTo("timeout");
  }

  @Test
  void an_error_in_a_worker_is_permanent() {
    RuntimeException wrapped =
        new RuntimeException(
            "a worker failed", new OutOfMemoryError("Requested array size exceeds VM limit"));
    assertThat(Failures.classify(wrapped))
        .isEqualTo(new Failures.Verdict(false, "internal error (OutOfMemoryError)"));
  }

  @Test
  void a_wrapped_cause_is_found() {
    RuntimeException wrapped =
        new RuntimeException("publishing failed", new SQLException("lost", "08006"));
    assertThat(Failures.classify(wrapped))
        .isEqualTo(new Failures.Verdict(true, "connection lost or refused"));
  }

  @Test
  void socket_timeouts_are_transient_but_unknown_hosts_are_not() {
    assertThat(Failures.isTransient(new IOException(new SocketTimeoutException("read timed out"))))
        .isTrue();
    assertThat(Failures.isTransient(new IOException(new UnknownHostException("db.example"))))
        .isFalse();
  }

  @Test
  void a_driver_error_without_sqlstate_is_judged_by_its_cause() {
    SQLException noState =
        new SQLException("I/O error", (String) null, new SocketTimeoutException("timeout"));
    assertThat(Failures.isTransient(noState)).isTrue();
    assertThat(Failures.isTransient(new SQLTransientConnectionException("pool timeout"))).isTrue();
  }

  @Test
  void
      a_connection_the_server_rejected_for_want_of_a_password_is_permanent_not_a_lost_connection() {
    SQLException noPassword =
        new SQLException(
            "The server requested SCRAM-based authentication, but no password was provided.",
            "08004");

    assertThat(Failures.classify(noPassword).retry()).isFalse();
    assertThat(Failures.classify(noPassword).kind()).contains("rejected the connection");
    assertThat(Failures.cause(noPassword)).isEqualTo("permanent");
  }

  @Test
  void an_empty_source_refused_in_replace_mode_is_never_retried() {
    assertThat(Failures.isTransient(new EmptySourceException("would delete 2 rows"))).isFalse();
  }

  @Test
  void rejected_limits_and_fence_refusals_are_never_retried() {
    assertThat(Failures.isTransient(new RejectedLimitException(3, "too many"))).isFalse();
    assertThat(Failures.isTransient(new RuntimeException(new FenceRefusedException("stale"))))
        .isFalse();
  }

  @Test
  void a_pooled_connection_closed_under_a_wrapper_is_a_lost_connection_not_a_permanent_error() {
    // Flyway wraps HikariCP's "Connection is closed" (no SQLSTATE) when the database went away.
    RuntimeException flyway =
        new RuntimeException(
            "Unable to read database connection metadata: Connection is closed",
            new SQLException("Connection is closed"));
    assertThat(Failures.isTransient(flyway)).isTrue();
    assertThat(Failures.causeOf(flyway)).isEqualTo(FailureCause.CONNECTION);
    assertThat(Failures.isTransient(new SQLException("This connection has been closed."))).isTrue();
    assertThat(Failures.isTransient(new SQLException("syntax is wrong"))).isFalse();
  }

  @Test
  void no_connection_made_at_all_is_told_apart_from_a_connection_that_broke() {
    assertThat(
            Failures.couldNotConnect(
                new RuntimeException(
                    new SQLTransientConnectionException(
                        "keel-sink - Connection is not available, request timed out after 15001ms"))))
        .isTrue();
    assertThat(Failures.couldNotConnect(new SQLException("Connection to host refused", "08001")))
        .isTrue();
    assertThat(
            Failures.couldNotConnect(
                new SQLException("An I/O error occurred while sending to the backend.", "08006")))
        .isFalse();
  }

  @Test
  void a_read_only_server_is_a_failover_transient_and_never_permanent() {
    SQLException standby =
        new SQLException("ERROR: cannot execute INSERT in a read-only transaction", "25006");
    assertThat(Failures.isFailover(standby)).isTrue();
    assertThat(Failures.classify(standby).retry()).isTrue();
    assertThat(Failures.classify(standby).kind()).startsWith("failover");
    assertThat(Failures.causeOf(standby)).isEqualTo(FailureCause.FAILOVER);
    assertThat(Failures.cause(standby)).isEqualTo("failover");
  }

  @Test
  void a_read_only_refusal_is_recognised_by_its_text_when_a_wrapper_lost_the_sqlstate() {
    RuntimeException wrapped =
        new RuntimeException(
            "publishing",
            new SQLException("ERROR: cannot execute UPDATE in a read-only transaction"));
    assertThat(Failures.isFailover(wrapped)).isTrue();
    assertThat(Failures.isTransient(wrapped)).isTrue();
    assertThat(Failures.causeOf(wrapped)).isEqualTo(FailureCause.FAILOVER);
  }

  @Test
  void a_read_only_refusal_behind_a_closed_connection_is_still_a_failover() {
    // Flyway: the migration hit 25006, the pool evicted the connection, the rollback then failed.
    SQLException closed = new SQLException("Connection is closed");
    closed.addSuppressed(
        new SQLException("cannot execute CREATE SCHEMA in a read-only transaction", "25006"));
    RuntimeException flyway = new RuntimeException("Unable to rollback transaction", closed);
    assertThat(Failures.causeOf(flyway)).isEqualTo(FailureCause.FAILOVER);
    assertThat(Failures.classify(flyway).kind()).startsWith("failover");
    assertThat(
            Failures.causeOf(new RuntimeException("x", new SQLException("Connection is closed"))))
        .isEqualTo(FailureCause.CONNECTION);
  }

  @Test
  void other_invalid_transaction_states_are_not_a_failover() {
    SQLException other = new SQLException("ERROR: current transaction is aborted", "25P02");
    assertThat(Failures.isFailover(other)).isFalse();
    assertThat(Failures.causeOf(other)).isEqualTo(FailureCause.PERMANENT);
    assertThat(Failures.isFailover(new SQLException("connection refused", "08001"))).isFalse();
  }

  @ParameterizedTest(name = "object store HTTP {0} is transient={1}")
  @CsvSource({
    "0, true",
    "429, true",
    "503, true",
    "500, true",
    "502, true",
    "408, true",
    "403, false",
    "404, false",
    "412, false",
    "400, false"
  })
  void object_store_answers_are_classified_by_status(int status, boolean transientExpected) {
    ObjectStoreException e =
        new ObjectStoreException("s3://b/k: GET failed: HTTP " + status, status, null);
    assertThat(Failures.isTransient(new RuntimeException("reading", e)))
        .isEqualTo(transientExpected);
    assertThat(Failures.causeOf(e) == FailureCause.PERMANENT).isEqualTo(!transientExpected);
  }
}
