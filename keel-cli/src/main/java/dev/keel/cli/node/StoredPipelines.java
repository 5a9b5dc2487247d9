package dev.keel.cli.node;

import dev.keel.KeelException;
import dev.keel.cli.engine.SinkFactory;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.MetadataStore;
import dev.keel.store.PipelineVersions;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tasks execute the pipeline version their run was created with: the stored text is parsed again
 * (secrets resolve here, on the node, never stored), relative paths against the original file's
 * folder. Each version's sink is prepared once per node, under an advisory lock so that nodes
 * starting together do not race to create the same target table.
 */
final class StoredPipelines implements AutoCloseable {
  record Loaded(PipelineSpec spec, Sink sink) {}

  private final MetadataStore store;
  private final Map<Long, Loaded> byVersion = new ConcurrentHashMap<>();

  StoredPipelines(MetadataStore store) {
    this.store = store;
  }

  Loaded get(long versionId) {
    Loaded l = byVersion.get(versionId);
    if (l != null) {
      return l;
    }
    synchronized (this) {
      return byVersion.computeIfAbsent(versionId, this::load);
    }
  }

  private Loaded load(long versionId) {
    PipelineVersions.Stored v = store.versions().load(versionId)
        .orElseThrow(() -> new KeelException("pipeline version " + versionId + " is not in keel.pipeline_version"));
    Path file = Path.of(v.sourceFile() == null ? v.pipeline() + ".yaml" : v.sourceFile());
    PipelineSpec spec = new SpecReader().parse(v.spec(), file);
    Sink sink = SinkFactory.create(spec, store.db());
    try {
      store.db().withConnection("preparing the sink of " + spec.name(), c -> {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(hashtext(?))")) {
          lock.setString(1, "keel-prepare:" + spec.name());
          lock.execute();
        }
        try {
          sink.prepare();
        } finally {
          try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            unlock.setString(1, "keel-prepare:" + spec.name());
            unlock.execute();
          }
        }
        return null;
      });
    } catch (RuntimeException e) {
      sink.close();
      throw e;
    }
    return new Loaded(spec, sink);
  }

  @Override
  public void close() {
    byVersion.values().forEach(l -> l.sink().close());
    byVersion.clear();
  }
}
