package dev.keel.connector;

import javax.sql.DataSource;

/** What the engine lends a sink it creates. */
public interface SinkContext {
  /**
   * The metadata database (embedded, or {@code --db}): where a sink without a URL of its own
   * writes.
   */
  DataSource metadata();

  /**
   * A connection pool of the sink's own, to a database other than the metadata one; the sink closes
   * it.
   */
  OwnedPool pool(String url, String user, String password, String name);

  /** A pool and the means to close it. */
  interface OwnedPool extends AutoCloseable {
    DataSource dataSource();

    @Override
    void close();
  }
}
