package dev.keel.engine;

import dev.keel.connector.Connectors;
import dev.keel.connector.SinkContext;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.store.Database;
import javax.sql.DataSource;

/**
 * Builds the sink a pipeline names, through the provider of its kind; a sink without a database of
 * its own shares the metadata database's pool, and one with its own gets a small pool of its own.
 */
public final class SinkFactory {
  /**
   * Connections of a sink's own pool: a publish and a stage per worker is more than a node runs at
   * once.
   */
  static final int OWN_POOL_SIZE = 4;

  private SinkFactory() {}

  public static Sink create(PipelineSpec spec, Database metadata) {
    return Connectors.installed()
        .sinkOf(spec)
        .create(
            spec,
            new SinkContext() {
              @Override
              public DataSource metadata() {
                return metadata.dataSource();
              }

              @Override
              public OwnedPool pool(String url, String user, String password, String name) {
                Database own = new Database(url, user, password, OWN_POOL_SIZE, name);
                return new OwnedPool() {
                  @Override
                  public DataSource dataSource() {
                    return own.dataSource();
                  }

                  @Override
                  public void close() {
                    own.close();
                  }
                };
              }
            });
  }
}
