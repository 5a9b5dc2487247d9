package dev.keel.connectors.jdbc;

import dev.keel.KeelException;
import dev.keel.connectors.files.RawText;
import dev.keel.record.Coercion;
import dev.keel.record.CoercionException;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.JdbcUrls;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.Secret;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Rows of a query on any JDBC database, streamed. {@code :partition} in the query is bound as a
 * parameter. Result columns are matched to declared columns by label, case-insensitively; extra
 * result columns are ignored.
 *
 * <p>Streaming: the statement is forward-only and read-only, autocommit is off and the fetch size
 * is set. PgJDBC then reads through a server-side cursor, {@code fetchSize} rows at a time. MariaDB
 * Connector/J (used for {@code jdbc:mariadb:} and {@code jdbc:mysql:} URLs) streams with a positive
 * fetch size as well; no URL option is needed. (MySQL's own Connector/J would need {@code
 * useCursorFetch=true} in the URL; keel ships MariaDB's driver.)
 *
 * <p>Values: typed JDBC values (numbers, booleans, dates, timestamps) are converted exactly,
 * through {@link Coercion}'s rules where a range or scale must be checked; anything else is read as
 * text and coerced. A timestamp without time zone read into a timestamptz column is interpreted in
 * the source's {@code timezone}. A value that does not convert makes a rejected record.
 *
 * <p>Messages never hold the password or the URL's credentials; {@link #describe()} is the URL with
 * them stripped.
 */
final class JdbcSource implements RecordSource {
  private static final int DEFAULT_FETCH_SIZE = 1000;

  private final String url;
  private final String password;
  private final String described;
  private final JdbcSpec spec;
  private final List<Column> columns;
  private final ZoneId zone;
  private final String resume;
  private final Connection connection;
  private final PreparedStatement statement;

  /** Set by {@link #cancel()}: a failure after it is the cancel's doing, not the server's. */
  private volatile boolean cancelled;

  private ResultSet rows;
  private int[] indexOf;
  private int[] sqlTypeOf;
  private int resultColumns;
  private long number;

  JdbcSource(JdbcSpec spec, List<Column> columns, String partition) {
    this(spec, columns, partition, null);
  }

  /**
   * Connects and prepares the query; the query runs at the first {@link #next()}, so that {@link
   * #cancel()} can reach a query that blocks.
   *
   * @param resume a {@link #position()} of an earlier reading ("row:N"): the query runs again and
   *     its first N rows are skipped without being converted (the query must order its rows the
   *     same way each time, e.g. ORDER BY the key, for a resumed reading to be exact)
   */
  JdbcSource(JdbcSpec spec, List<Column> columns, String partition, String resume) {
    this(spec, columns, PartitionRef.named(partition), resume);
  }

  JdbcSource(JdbcSpec spec, List<Column> columns, PartitionRef partition, String resume) {
    this.url = spec.url().reveal();
    this.password = reveal(spec.password());
    this.described = JdbcUrls.describe(url);
    this.spec = spec;
    this.columns = List.copyOf(columns);
    this.zone = spec.timezone() == null ? ZoneOffset.UTC : spec.timezone();
    this.resume = resume;
    Properties props = new Properties();
    String user = reveal(spec.user());
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    JdbcTimeouts.apply(url, spec, props);
    try {
      connection = DriverManager.getConnection(url, props);
    } catch (SQLException e) {
      throw fail("cannot connect to " + described, e, JdbcTimeouts.loginLimit(url, spec));
    }
    try {
      connection.setAutoCommit(false);
      PartitionQuery query = PartitionQuery.of(spec.query(), partition);
      statement =
          connection.prepareStatement(
              query.sql(), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      statement.setFetchSize(spec.fetchSize() > 0 ? spec.fetchSize() : DEFAULT_FETCH_SIZE);
      query.bind(statement, partition);
    } catch (SQLException e) {
      closeQuietly();
      throw fail("query on " + described + " failed", e, JdbcTimeouts.answerLimit(url, spec));
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /** Runs the query, matches its columns and skips to the resume position. */
  private void start() {
    try {
      rows = statement.executeQuery();
      ResultSetMetaData meta = rows.getMetaData();
      resultColumns = meta.getColumnCount();
      indexOf = new int[this.columns.size()];
      sqlTypeOf = new int[this.columns.size()];
      List<String> labels = new ArrayList<>();
      for (int i = 1; i <= resultColumns; i++) {
        labels.add(meta.getColumnLabel(i));
      }
      for (int c = 0; c < indexOf.length; c++) {
        indexOf[c] = find(labels, this.columns.get(c).name());
        sqlTypeOf[c] = meta.getColumnType(indexOf[c]);
        if ("timestamptz".equalsIgnoreCase(meta.getColumnTypeName(indexOf[c]))) {
          sqlTypeOf[c] = Types.TIMESTAMP_WITH_TIMEZONE; // PgJDBC reports timestamptz as TIMESTAMP
        }
      }
      long skip = resume == null ? 0 : rowPosition(resume);
      while (number < skip && rows.next()) {
        number++;
      }
    } catch (SQLException e) {
      closeQuietly();
      throw fail("query on " + described + " failed", e, JdbcTimeouts.answerLimit(url, spec));
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  private int find(List<String> labels, String name) {
    int found = -1;
    for (int i = 0; i < labels.size(); i++) {
      if (labels.get(i).toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        if (found >= 0) {
          throw new KeelException(
              "query on "
                  + described
                  + " returns column '"
                  + name
                  + "' twice; give one of them another name with AS");
        }
        found = i + 1;
      }
    }
    if (found < 0) {
      throw new KeelException(
          "query on "
              + described
              + " returns no column '"
              + name
              + "' (it returns: "
              + String.join(", ", labels)
              + "); add it to the SELECT list or use AS "
              + name);
    }
    return found;
  }

  private static long rowPosition(String token) {
    if (!token.startsWith("row:")) {
      throw new KeelException(
          "checkpoint '" + token + "' is not a row position; was the source changed?");
    }
    return Long.parseLong(token.substring(4));
  }

  /** The number of rows read so far ("row:N"). */
  @Override
  public String position() {
    return number == 0 ? null : "row:" + number;
  }

  @Override
  public SourceRecord next() {
    if (rows == null) {
      start();
    }
    try {
      if (!rows.next()) {
        return null;
      }
      number++;
      Object[] values = new Object[columns.size()];
      for (int c = 0; c < values.length; c++) {
        Column column = columns.get(c);
        try {
          values[c] = value(column.type(), indexOf[c], sqlTypeOf[c]);
        } catch (CoercionException e) {
          return SourceRecord.rejected(
              number, raw(), "column " + column.name() + ": " + e.getMessage());
        }
      }
      return SourceRecord.row(number, values);
    } catch (SQLException e) {
      throw fail(
          "reading row " + (number + 1) + " from " + described + " failed",
          e,
          JdbcTimeouts.answerLimit(url, spec));
    }
  }

  private Object value(ColumnType type, int index, int sqlType) throws SQLException {
    switch (type.kind()) {
      case DATE:
        if (sqlType == Types.DATE) {
          return rows.getObject(index, LocalDate.class);
        }
        break;
      case TIMESTAMP:
        if (sqlType == Types.TIMESTAMP) {
          return rows.getObject(index, LocalDateTime.class);
        }
        break;
      case TIMESTAMPTZ:
        if (sqlType == Types.TIMESTAMP_WITH_TIMEZONE) {
          OffsetDateTime t = rows.getObject(index, OffsetDateTime.class);
          return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (sqlType == Types.TIMESTAMP) {
          LocalDateTime t = rows.getObject(index, LocalDateTime.class);
          return t == null ? null : Coercion.fromText(t.toString(), type, zone);
        }
        break;
      case BOOLEAN:
        Object b = rows.getObject(index);
        if (b instanceof Boolean) {
          return b;
        }
        return b == null ? null : Coercion.fromText(text(b), type, zone);
      case TEXT:
      case VARCHAR:
        return Coercion.fromText(rows.getString(index), type, zone);
      default:
        Object v = rows.getObject(index);
        if (v == null) {
          return null;
        }
        if (v instanceof Number || v instanceof Boolean) {
          return Coercion.fromText(text(v), type, zone);
        }
        return Coercion.fromText(rows.getString(index), type, zone);
    }
    return Coercion.fromText(rows.getString(index), type, zone);
  }

  /** Exact text of a JDBC number: no exponent for decimals, Java's shortest form for floats. */
  private static String text(Object v) {
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof BigInteger
        || v instanceof Long
        || v instanceof Integer
        || v instanceof Short
        || v instanceof Byte) {
      return v.toString();
    }
    if (v instanceof Boolean bool) {
      return bool ? "true" : "false";
    }
    return String.valueOf(v);
  }

  private String raw() {
    List<String> fields = new ArrayList<>(resultColumns);
    for (int i = 1; i <= resultColumns; i++) {
      try {
        fields.add(rows.getString(i));
      } catch (SQLException e) {
        fields.add("?");
      }
    }
    return RawText.join(fields, ',');
  }

  /**
   * An exception safe to log: the driver's message with secrets redacted, the SQLState kept (so the
   * runtime can tell transient from permanent), and no driver exception chained, since its message
   * could carry the URL as given.
   */
  private KeelException fail(String what, SQLException e, String limit) {
    String message = JdbcUrls.redact(e.getMessage(), url, password);
    if (cancelled) {
      message += " (the query was cancelled and the connection closed by keel)";
    } else if (timedOut(e)) {
      message += " (no answer from " + JdbcUrls.server(url) + " within " + limit + ")";
    }
    SQLException safe = new SQLException(message, e.getSQLState(), e.getErrorCode());
    safe.setStackTrace(e.getStackTrace());
    String state = e.getSQLState() == null ? "" : " [SQLState " + e.getSQLState() + "]";
    return new KeelException(what + ": " + message + state, safe);
  }

  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.SocketTimeoutException
          || (t.getMessage() != null
              && t.getMessage().toLowerCase(Locale.ROOT).contains("timed out"))) {
        return true;
      }
    }
    return false;
  }

  private static String reveal(Secret secret) {
    return secret == null ? null : secret.reveal();
  }

  @Override
  public String describe() {
    return described;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  /**
   * Cancels the running query on the server (a cancel request on a new connection, bounded by
   * cancelSignalTimeout), then aborts the connection: its socket is closed, so a read blocked on a
   * server that no longer answers fails at once. In that order because PgJDBC refuses to send a
   * cancel for a connection already closed, and a closed socket alone leaves the backend running
   * its query.
   */
  @Override
  public void cancel() {
    cancelled = true;
    try {
      statement.cancel();
    } catch (SQLException | RuntimeException ignored) {
      // the server may be the dead peer; the abort below still frees the reader
    }
    try {
      connection.abort(Runnable::run);
    } catch (SQLException | RuntimeException ignored) {
      // already closed
    }
  }

  private void closeQuietly() {
    try {
      if (connection != null) {
        // read-only work: roll back rather than leave the cursor's transaction to the close
        connection.rollback();
        connection.close();
      }
    } catch (SQLException ignored) {
      // nothing was written; a failure to close a reading connection loses nothing
    }
  }
}
