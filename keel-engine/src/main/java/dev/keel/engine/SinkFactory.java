package dev.keel.engine;

import dev.keel.connectors.postgres.PostgresSink;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.store.Database;

/** Builds the sink a pipeline names; a Postgres sink without url shares the metadata database. */
public final class SinkFactory {
  private SinkFactory() {}

  public static Sink create(PipelineSpec spec, Database metadata) {
    SinkSpec.Postgres pg = (SinkSpec.Postgres) spec.sink();
    boolean unique = spec.validate().unique();
    if (pg.url() == null) {
      return new PostgresSink(metadata.dataSource(), pg, spec.columns(), unique, null);
    }
    Database own = new Database(pg.url().reveal(), pg.user() == null ? null : pg.user().reveal(),
        pg.password() == null ? null : pg.password().reveal(), 4, "keel-sink-" + spec.name());
    return new PostgresSink(own.dataSource(), pg, spec.columns(), unique, own);
  }
}
