package dev.keel.engine.node;

import dev.keel.KeelException;
import dev.keel.engine.SinkFactory;
import dev.keel.runtime.Sink;
import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.MetadataStore;
import dev.keel.store.PipelineVersions;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks execute the pipeline version their run was created with: the stored text is parsed again
 * (secrets resolve here, on the node, never stored), relative paths against the original file's
 * folder. Each version's sink is prepared once per node, under an advisory lock so that nodes
 * starting together do not race to create the same target table (waited for at most {@link
 * #PREPARE_LOCK_WAIT}: a paused holder must not block the cluster).
 */
final class StoredPipelines implements AutoCloseable {
  record Loaded(PipelineSpec spec, Sink sink) {}

  /** How long a node waits for another node's preparation of the same pipeline's sink. */
  static final Duration PREPARE_LOCK_WAIT = Duration.ofSeconds(15);

  private static final Logger log = LoggerFactory.getLogger(StoredPipelines.class);

  private final MetadataStore store;
  private final Duration lockWait;
  private final Map<Long, Loaded> byVersion = new ConcurrentHashMap<>();

  StoredPipelines(MetadataStore store) {
    this(store, PREPARE_LOCK_WAIT);
  }

  StoredPipelines(MetadataStore store, Duration lockWait) {
    this.store = store;
    this.lockWait = lockWait;
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
    PipelineVersions.Stored v =
        store
            .versions()
            .load(versionId)
            .orElseThrow(
                () ->
                    new KeelException(
                        "pipeline version " + versionId + " is not in keel.pipeline_version"));
    Path file = Path.of(v.sourceFile() == null ? v.pipeline() + ".yaml" : v.sourceFile());
    PipelineSpec spec = BufferStages.stage(new SpecReader().parse(v.spec(), file), v.pipeline());
    Sink sink = SinkFactory.create(spec, store.db());
    try {
      prepareUnderLock(spec.name(), sink);
    } catch (RuntimeException e) {
      sink.close();
      throw e;
    }
    return new Loaded(spec, sink);
  }

  /**
   * Prepares the sink holding a transaction-scoped advisory lock, waited for at most {@code
   * lockWait}: a node paused while holding it (SIGSTOP, a frozen VM) keeps its connection, and so
   * the lock, open. After the wait this node prepares without the lock: preparing is idempotent and
   * a race to create the same table is handled by the sink (the lock only spares the race).
   */
  private void prepareUnderLock(String pipeline, Sink sink) {
    store
        .db()
        .inTransaction(
            "preparing the sink of " + pipeline,
            c -> {
              try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = " + Math.max(1, lockWait.toMillis()));
              }
              Savepoint beforeLock = c.setSavepoint();
              try (PreparedStatement lock =
                  c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "keel-prepare:" + pipeline);
                lock.execute();
              } catch (SQLException e) {
                if (!"55P03".equals(e.getSQLState())) {
                  throw e;
                }
                c.rollback(beforeLock);
                log.warn(
                    "pipeline {}: another node has held the sink preparation lock for {} ms (paused or stuck?); preparing"
                        + " without it",
                    pipeline,
                    lockWait.toMillis());
              }
              sink.prepare();
              return null;
            });
  }

  /**
   * The newest loaded version of each pipeline: its sink is where the pipeline publishes now (a
   * version's sink is loaded on the first task of a run of it).
   */
  java.util.Collection<Loaded> newestPerPipeline() {
    Map<String, Loaded> newest = new java.util.HashMap<>();
    new java.util.TreeMap<>(byVersion).forEach((id, l) -> newest.put(l.spec().name(), l));
    return newest.values();
  }

  @Override
  public void close() {
    byVersion.values().forEach(l -> l.sink().close());
    byVersion.clear();
  }
}
