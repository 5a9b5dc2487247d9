package dev.keel.connectors.jdbc;

import static dev.keel.connectors.files.SourceTesting.columns;
import static dev.keel.connectors.files.SourceTesting.readAll;
import static dev.keel.connectors.files.SourceTesting.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.KeelException;
import dev.keel.connectors.files.Sources;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.Secret;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JdbcSourceTest {
  private static final String PASSWORD = "Sup3r-s3cret-pw";
  private static final String WRONG = "Wr0ng-pa55word-zz";
  private static EmbeddedPostgres pg;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    url = "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres";
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE reader LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute(
          """
          CREATE TABLE orders (id bigint, customer text, amount numeric(14,4), region text,
                               ts timestamptz, local_ts timestamp, d date, ok boolean)""");
      s.execute(
          """
          INSERT INTO orders VALUES
            (1, 'ann', 1.5,    'eu', '2026-01-02 03:04:05+01', '2026-07-01 12:00', '2024-02-29', true),
            (2, 'bob', 2.25,   'us', null, null, null, null),
            (3, 'cid', 1.2345, 'eu', null, '2026-03-29 02:30', null, false),
            (4, 'dan', 4,      'eu', null, null, null, null)""");
      s.execute("GRANT SELECT ON orders TO reader");
      // Local connections as postgres stay trusted; everyone else must give a password.
      Path hba;
      try (ResultSet rs = s.executeQuery("SHOW hba_file")) {
        rs.next();
        hba = Path.of(rs.getString(1));
      }
      Files.writeString(
          hba,
          """
          local all all trust
          host all postgres 127.0.0.1/32 trust
          host all postgres ::1/128 trust
          host all all 127.0.0.1/32 scram-sha-256
          host all all ::1/128 scram-sha-256
          """);
      s.execute("SELECT pg_reload_conf()");
    }
    awaitPasswordsRequired();
  }

  /** The reload is asynchronous: wait (on the condition, bounded) until a wrong password fails. */
  private static void awaitPasswordsRequired() throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(deadline)) {
      try (Connection ignored = DriverManager.getConnection(url, "reader", WRONG)) {
        Thread.sleep(50);
      } catch (SQLException expected) {
        return;
      }
    }
    throw new AssertionError("pg_hba.conf reload did not take effect");
  }

  @AfterAll
  static void stop() throws IOException {
    if (pg != null) {
      pg.close();
    }
  }

  private static JdbcSpec spec(String query) {
    return spec(url, query, "Europe/Paris");
  }

  private static JdbcSpec spec(String jdbcUrl, String query, String zone) {
    return new JdbcSpec(
        Secret.plain(jdbcUrl),
        Secret.plain("reader"),
        Secret.plain(PASSWORD),
        query,
        100,
        ZoneId.of(zone));
  }

  private static RecordSource open(JdbcSpec spec, List<Column> columns, String partition) {
    return Sources.open(spec, columns, partition, null);
  }

  @Test
  void rows_of_the_partition_are_read_with_the_partition_bound_as_a_parameter() throws IOException {
    List<Column> cols = columns("id bigint, customer text, amount numeric(14,4)");
    List<SourceRecord> records =
        readAll(
            open(
                spec(
                    """
        SELECT id::bigint AS id, customer, amount FROM orders
        WHERE region = :partition AND customer <> ':partition' ORDER BY id"""),
                cols,
                "eu"));
    assertThat(records).extracting(SourceRecord::position).containsExactly(1L, 2L, 3L);
    assertThat(values(records.get(0))).containsExactly(1L, "ann", new BigDecimal("1.5000"));
    assertThat(values(records.get(2))).containsExactly(4L, "dan", new BigDecimal("4.0000"));
  }

  @Test
  void result_columns_match_declared_columns_by_name_whatever_the_case_or_order()
      throws IOException {
    List<Column> cols = columns("id bigint, customer text");
    List<SourceRecord> records =
        readAll(
            open(
                spec(
                    "SELECT customer AS \"Customer\", region, id AS \"ID\" FROM orders WHERE id = 2"),
                cols,
                "all"));
    assertThat(values(records.get(0))).containsExactly(2L, "bob");
  }

  @Test
  void a_declared_column_missing_from_the_result_is_an_error_naming_it() {
    // the query runs at the first record (so that it can be cancelled while it runs)
    assertThatThrownBy(
            () ->
                open(spec("SELECT id FROM orders"), columns("id bigint, amount numeric"), "all")
                    .next())
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("no column 'amount'");
  }

  @Test
  void values_that_do_not_fit_the_declared_type_are_rejected_naming_the_column()
      throws IOException {
    List<Column> cols = columns("id smallint, amount numeric(12,2)");
    List<SourceRecord> records =
        readAll(
            open(
                spec(
                    "SELECT CASE WHEN id = 4 THEN 40000 ELSE id END AS id, amount FROM orders ORDER BY orders.id"),
                cols,
                "all"));
    assertThat(values(records.get(0))).containsExactly(1L, new BigDecimal("1.50"));
    assertThat(records.get(2).error())
        .isEqualTo("column amount: '1.2345' has 4 decimal places, numeric(12,2) allows 2");
    assertThat(records.get(2).position()).isEqualTo(3);
    assertThat(records.get(2).raw()).isEqualTo("\"3\",\"1.2345\"");
    assertThat(records.get(3).error()).contains("column id:", "out of range for smallint");
  }

  @Test
  void dates_timestamps_and_booleans_convert_to_their_java_types() throws IOException {
    List<Column> cols =
        columns("ts timestamptz, local_ts timestamp, zoned timestamptz, d date, ok boolean");
    List<SourceRecord> records =
        readAll(
            open(
                spec("SELECT ts, local_ts, local_ts AS zoned, d, ok FROM orders ORDER BY id"),
                cols,
                "all"));
    assertThat(values(records.get(0)))
        .containsExactly(
            OffsetDateTime.of(2026, 1, 2, 2, 4, 5, 0, ZoneOffset.UTC),
            LocalDateTime.of(2026, 7, 1, 12, 0),
            OffsetDateTime.of(2026, 7, 1, 10, 0, 0, 0, ZoneOffset.UTC),
            LocalDate.of(2024, 2, 29),
            true);
    assertThat(values(records.get(1))).containsOnlyNulls();
    assertThat(records.get(2).error()).contains("column zoned:", "does not exist in Europe/Paris");
  }

  @Test
  void rows_are_streamed_through_a_cursor_not_loaded_whole() throws IOException {
    // Rows past 199,000 fail with a division by zero. A driver that loaded the whole result at
    // execute time would fail before the first record; a cursor fetching 100 rows at a time
    // hands out the first rows and fails only when it gets that far.
    String query =
        """
        SELECT g AS id, CASE WHEN g <= 199000 THEN 'x' ELSE (1 / (g - g))::text END AS customer
        FROM generate_series(1, 200000) AS g""";
    try (RecordSource source = open(spec(query), columns("id bigint, customer text"), "all")) {
      SourceRecord first = source.next();
      assertThat(values(first)).containsExactly(1L, "x");
      Throwable failure =
          catchThrowable(
              () -> {
                while (source.next() != null) {
                  // read on until the server reaches the failing rows
                }
              });
      assertThat(failure)
          .isInstanceOf(KeelException.class)
          .hasMessageContaining("division by zero")
          .hasMessageContaining("22012");
    }
  }

  @Test
  void the_right_password_connects_and_describe_shows_no_credentials() throws IOException {
    String withCredentials =
        "jdbc:postgresql://localhost:"
            + pg.getPort()
            + "/postgres?user=reader&password="
            + PASSWORD;
    JdbcSpec spec =
        new JdbcSpec(
            Secret.plain(withCredentials), null, null, "SELECT 1 AS id", 10, ZoneOffset.UTC);
    try (RecordSource source = open(spec, columns("id bigint"), "all")) {
      assertThat(values(source.next())).containsExactly(1L);
      assertThat(source.describe()).isEqualTo(url).doesNotContain(PASSWORD);
    }
  }

  @Test
  void a_wrong_password_is_an_error_that_never_shows_the_password() {
    JdbcSpec spec =
        new JdbcSpec(
            Secret.plain(url),
            Secret.plain("reader"),
            Secret.plain(WRONG),
            "SELECT 1 AS id",
            10,
            ZoneOffset.UTC);
    Throwable failure = catchThrowable(() -> open(spec, columns("id bigint"), "all"));
    assertThat(failure)
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("cannot connect to " + url)
        .hasMessageContaining("password authentication failed");
    assertNoSecretIn(failure, WRONG);
  }

  @Test
  void a_wrong_password_in_the_url_is_not_shown_either() {
    String secretUrl =
        "jdbc:postgresql://reader:"
            + WRONG
            + "@localhost:"
            + pg.getPort()
            + "/postgres?password="
            + WRONG;
    JdbcSpec spec =
        new JdbcSpec(
            Secret.plain(secretUrl),
            Secret.plain("reader"),
            null,
            "SELECT 1 AS id",
            10,
            ZoneOffset.UTC);
    Throwable failure = catchThrowable(() -> open(spec, columns("id bigint"), "all"));
    assertThat(failure).isInstanceOf(KeelException.class);
    assertNoSecretIn(failure, WRONG);
  }

  @Test
  void a_refused_connection_names_the_database_without_credentials() {
    JdbcSpec spec =
        spec(
            "jdbc:postgresql://localhost:1/shop?password=" + PASSWORD + "&connectTimeout=2",
            "SELECT 1 AS id",
            "UTC");
    Throwable failure = catchThrowable(() -> open(spec, columns("id bigint"), "all"));
    assertThat(failure)
        .isInstanceOf(KeelException.class)
        .hasMessageContaining(
            "cannot connect to jdbc:postgresql://localhost:1/shop?connectTimeout=2");
    assertNoSecretIn(failure, PASSWORD);
  }

  private static void assertNoSecretIn(Throwable failure, String secret) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
      assertThat(t.toString()).doesNotContain(secret);
    }
  }
}
