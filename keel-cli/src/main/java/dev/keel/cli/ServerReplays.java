package dev.keel.cli;

import dev.keel.server.api.ApiException;
import dev.keel.server.api.Replays;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecException;
import dev.keel.store.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI's and the API's Replay action: the same {@link DeadLetterReplay} as {@code keel
 * replay}, with the latest stored version of the pipeline. The replay run is created in the request
 * (so a second replay of the same source run is refused at once, 409) and executed on one
 * background thread, so the request stays short however large the partition; replays queue behind
 * each other. The thread is a daemon: a process that stops mid-replay leaves a running task whose
 * lease expires, as {@code keel replay} killed mid-run does.
 */
public final class ServerReplays implements Replays {
  private static final Logger log = LoggerFactory.getLogger(ServerReplays.class);

  private final MetadataStore store;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "keel-replay");
            t.setDaemon(true);
            return t;
          });

  public ServerReplays(MetadataStore store) {
    this.store = store;
  }

  @Override
  public Started replay(String pipeline, String partition, Long run) {
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
    String unknown = DeadLetterReplay.unknownPartition(v.get().spec(), partition);
    PipelineSpec spec = DeadLetterReplay.forReplay(v.get().spec());
    if (unknown != null) {
      throw ApiException.badRequest(unknown);
    }
    DeadLetterReplay.Plan plan;
    try {
      plan = DeadLetterReplay.create(store, spec, v.get().id(), partition, run);
    } catch (BadInputException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    if (plan instanceof DeadLetterReplay.Nothing nothing) {
      throw new ApiException(
          409,
          "nothing to replay: no rejected records for "
              + pipeline
              + " partition "
              + partition
              + (nothing.sourceRun().isEmpty()
                  ? ""
                  : " in run "
                      + nothing.sourceRun().getAsLong()
                      + " (records rejected for a repeated key are not replayed)"));
    }
    if (plan instanceof DeadLetterReplay.AlreadyReplayed already) {
      throw new ApiException(
          409,
          "the rejected records of run "
              + already.sourceRun()
              + ", partition "
              + partition
              + ", were replayed already; nothing is published again. If that replay rejected"
              + " records too, fix them and replay again (without a run: the newest run with rejects is that replay)");
    }
    DeadLetterReplay.Created replay = (DeadLetterReplay.Created) plan;
    executor.execute(() -> execute(replay, partition));
    return new Started(replay.runId(), replay.sourceRun(), replay.positions().length);
  }

  private void execute(DeadLetterReplay.Created replay, String partition) {
    try {
      DeadLetterReplay.execute(
          store,
          replay,
          () ->
              log.info(
                  "replaying {} rejected record(s) of run {} of {}, partition {}, as run {}",
                  replay.positions().length,
                  replay.sourceRun(),
                  replay.spec().name(),
                  partition,
                  replay.runId()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("replay run {} interrupted", replay.runId());
    } catch (Exception e) {
      log.error(
          "replay run {} of {} partition {} failed",
          replay.runId(),
          replay.spec().name(),
          partition,
          e);
    }
  }
}
