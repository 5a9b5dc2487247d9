package dev.keel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's own database session, holding a session-level advisory lock for the node's lifetime. A
 * process that dies (kill -9, a crash, OOM) loses its sockets at once: PostgreSQL ends the session
 * and the lock is gone, and the reaper requeues the node's tasks at its next tick instead of a
 * lease later ({@link ExpiredLeases}). A process that is frozen, or whose network is lost without
 * the socket being closed, keeps its session, and the lease covers it as before.
 *
 * <p>The lock is taken on a connection outside the pool, so nothing recycles it. Each node start
 * (and each re-take after the session was lost) draws a new key, so a lingering session of an
 * earlier process of the same node id never blocks it. The node row records the key and the server
 * the lock was taken on ({@code pg_postmaster_start_time()}): a database restart or failover ends
 * every session, and for those the reaper goes by the leases ({@link SharedOutage}). Needs a direct
 * connection or a session-mode pooler (PgBouncer's transaction mode would share the lock's server
 * session).
 */
public final class NodeSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeSession.class);

  /** The advisory lock class of node sessions: 'keel' as an int. */
  static final int LOCK_CLASS = 0x6b65656c;

  private static final String TAKE =
      """
      WITH k AS (SELECT nextval('keel.node_session_key')::integer AS key)
      SELECT key, pg_try_advisory_lock(?, key) FROM k""";

  private static final String RECORD =
      """
      UPDATE keel.node SET session_key = ?, session_server_start = pg_postmaster_start_time(),
        session_lost_at = NULL
      WHERE id = ?""";

  private final Database db;
  private final String nodeId;
  private Connection connection;
  private boolean closed;

  NodeSession(Database db, String nodeId) {
    this.db = db;
    this.nodeId = nodeId;
  }

  /**
   * Makes sure the lock is held: checks the session (one round trip) and, when it was lost (the
   * database restarted, failed over, or the connection broke), opens a new one and takes the lock
   * again. Called by the node at every heartbeat interval; throws {@link StoreException} while the
   * database does not answer.
   */
  public synchronized void hold() {
    if (closed) {
      return;
    }
    try {
      if (connection != null && connection.isValid(2)) {
        return;
      }
      closeQuietly();
      Connection c = db.openDedicated();
      try {
        try (Statement s = c.createStatement()) {
          // the session must outlive any idle limit the server sets (PostgreSQL 14+)
          s.execute("SET idle_session_timeout = 0");
        } catch (SQLException older) {
          log.debug("idle_session_timeout not set: {}", older.getMessage());
        }
        int key = take(c);
        try (PreparedStatement ps = c.prepareStatement(RECORD)) {
          ps.setInt(1, key);
          ps.setString(2, nodeId);
          ps.executeUpdate();
        }
        connection = c;
        log.debug("node {} holds its database session (key {})", nodeId, key);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("taking the database session of node " + nodeId, e);
    }
  }

  /**
   * Draws a key and locks it; a key still held (the sequence cycled, or was reset with the schema)
   * is skipped.
   */
  private static int take(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(TAKE)) {
      ps.setInt(1, LOCK_CLASS);
      for (int tries = 0; tries < 100; tries++) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(2)) {
            return rs.getInt(1);
          }
        }
      }
    }
    throw new SQLException("no free advisory lock key in class " + LOCK_CLASS + " after 100 tries");
  }

  /**
   * How long the reaper waits, after it first finds a node's lock gone, before it believes the node
   * dead: a process that died never takes it again, a live one whose connection was reset by the
   * network does within milliseconds ({@link #awaitLoss}). Short, so a crash is still taken over
   * well within a lease (issue 17: under 1.5 s).
   */
  public static final Duration GRACE = Duration.ofMillis(500);

  /**
   * Waits up to {@code max} on the session's socket, sending nothing (pgjdbc's {@code
   * getNotifications} blocks reading it), and returns true as soon as the connection breaks: the
   * server ended the session, or the network reset the connection. The node then takes its lock
   * again at once, within the reaper's {@link #GRACE}, instead of at its next check. False after
   * {@code max} with the session intact, or when there is no session to watch.
   */
  public boolean awaitLoss(Duration max) {
    Connection c;
    synchronized (this) {
      c = connection;
      if (closed || c == null) {
        return false;
      }
    }
    try {
      c.unwrap(PGConnection.class).getNotifications((int) Math.max(1, max.toMillis()));
      return false;
    } catch (SQLException e) {
      synchronized (this) {
        if (closed) {
          return false;
        }
      }
      log.info(
          "node {}: its database session broke ({}); taking its lock again",
          nodeId,
          e.getMessage());
      return true;
    }
  }

  /** Ends the session; the lock goes with it. */
  @Override
  public void close() {
    Connection c;
    synchronized (this) {
      closed = true;
      c = connection;
    }
    if (c != null) {
      // abort, not close: close waits for the watching read (awaitLoss) to time out
      try {
        c.abort(Runnable::run);
      } catch (SQLException e) {
        log.debug("aborting the session of node {}: {}", nodeId, e.getMessage());
      }
    }
    synchronized (this) {
      closeQuietly();
    }
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing the session of node {}: {}", nodeId, e.getMessage());
      }
      connection = null;
    }
  }
}
