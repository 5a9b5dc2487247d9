package dev.keel.cli;

import dev.keel.engine.SinkFactory;
import dev.keel.runtime.LoadHistory;
import dev.keel.runtime.RollbackRefusedException;
import dev.keel.runtime.Sink;
import dev.keel.server.api.ApiException;
import dev.keel.server.api.Rollbacks;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecException;
import dev.keel.store.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keel history|rollback} and their API routes alike: the pipeline's current stored version
 * names the sink; a rollback takes a fencing token from the claims' own sequence ({@code
 * Tasks.newFence}), so a task of the partition that is running now, on any node, is refused when it
 * tries to publish after the rollback (it fails with "fence refused"; retry it for its load).
 */
public final class SinkRollbacks implements Rollbacks {
  private static final Logger log = LoggerFactory.getLogger(SinkRollbacks.class);
  private static final String RUN = "SELECT pipeline FROM keel.run WHERE id = ?";

  private final MetadataStore store;

  public SinkRollbacks(MetadataStore store) {
    this.store = store;
  }

  @Override
  public List<LoadHistory.Load> history(String pipeline, String partition) {
    PipelineSpec spec = spec(pipeline, partition);
    return withHistory(spec, h -> h.loads(partition));
  }

  @Override
  public LoadHistory.Load rollback(String pipeline, String partition, long run) {
    if (partition == null) {
      throw ApiException.badRequest("partition is required: a rollback restores one partition");
    }
    PipelineSpec spec = spec(pipeline, partition);
    String owner =
        store
            .db()
            .withConnection(
                "looking up run " + run,
                c -> {
                  try (PreparedStatement ps = c.prepareStatement(RUN)) {
                    ps.setLong(1, run);
                    try (ResultSet rs = ps.executeQuery()) {
                      return rs.next() ? rs.getString(1) : null;
                    }
                  }
                });
    if (owner == null) {
      throw ApiException.notFound("run " + run + " (keel history " + pipeline + " lists its runs)");
    }
    if (!owner.equals(pipeline)) {
      throw ApiException.badRequest(
          "run " + run + " is a run of " + owner + ", not of " + pipeline);
    }
    long fence = store.tasks().newFence();
    LoadHistory.Load done = withHistory(spec, h -> h.rollback(partition, run, fence));
    if (done == null) {
      log.info(
          "{} partition {}: run {} is its newest load already; nothing rolled back",
          pipeline,
          partition,
          run);
    } else {
      log.info(
          "{} partition {} rolled back to run {} (fence {}): {} rows inserted, {} updated, {} deleted",
          pipeline,
          partition,
          run,
          fence,
          done.inserted(),
          done.updated(),
          done.deleted());
    }
    return done;
  }

  private <T> T withHistory(PipelineSpec spec, Function<LoadHistory, T> work) {
    try (Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      LoadHistory history =
          sink.history()
              .orElseThrow(
                  () ->
                      ApiException.badRequest(
                          spec.name()
                              + " does not keep versions of its loads; set sink.postgres.keep_versions: N"
                              + " in its pipeline file (PostgreSQL sinks; the loads after that can be"
                              + " rolled back)"));
      return work.apply(history);
    } catch (RollbackRefusedException e) {
      throw new ApiException(409, e.getMessage());
    }
  }

  private PipelineSpec spec(String pipeline, String partition) {
    Optional<Enqueue.Version> v;
    try {
      v = Enqueue.find(store, pipeline, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SpecException e) {
      throw new ApiException(
          422, "the stored version of " + pipeline + " cannot be read: " + e.getMessage());
    }
    if (v.isEmpty()) {
      throw ApiException.notFound(
          "pipeline '" + pipeline + "' (no version of it was ever stored; run or deploy it first)");
    }
    PipelineSpec spec = v.get().spec();
    if (partition != null) {
      String unknown = spec.unknownPartition(List.of(partition));
      if (unknown != null) {
        throw ApiException.badRequest(unknown);
      }
    }
    return spec;
  }
}
