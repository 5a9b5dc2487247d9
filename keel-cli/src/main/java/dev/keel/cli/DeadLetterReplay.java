package dev.keel.cli;

import dev.keel.connector.Connectors;
import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.record.OnlyPositions;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.MetadataStore;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One replay of the records a run rejected in a partition, for {@code keel replay} and the web UI's
 * Replay action alike: {@link #create} finds the source run and its rejected positions and creates
 * the replay run; {@link #execute} reads the source again, lets only those positions pass and
 * publishes them through the normal staged, fenced publish. Records rejected for repeating a key
 * are not replayed (the first record with that key was published; that is the unique rule, not an
 * error).
 *
 * <p>Once per source run and partition: the replay run is created by the same idempotent insert as
 * every run, keyed by the source run, so a second {@link #create} of the same dead letters (from
 * the command line, the UI or both at once) finds it and answers {@link AlreadyReplayed}.
 */
final class DeadLetterReplay {
  /** What {@link #create} found. */
  sealed interface Plan permits Nothing, AlreadyReplayed, Created {}

  /** No record to replay; {@code sourceRun} is empty when no run of the partition rejected any. */
  record Nothing(OptionalLong sourceRun) implements Plan {}

  /** The rejects of {@code sourceRun} were replayed already; nothing is published again. */
  record AlreadyReplayed(long sourceRun) implements Plan {}

  /** A replay run created and not yet executed. */
  record Created(long runId, long sourceRun, long[] positions, PipelineSpec spec, LocalRun local)
      implements Plan {}

  private DeadLetterReplay() {}

  /**
   * The pipeline a replay publishes with: a replace-mode sink appends (a replay publishes only the
   * rejected records; replace would delete the rows the run published and leave just those).
   */
  static PipelineSpec forReplay(PipelineSpec spec) {
    if (spec.sink().mode() != SinkSpec.Mode.REPLACE) {
      return spec;
    }
    SinkSpec append = spec.sink().withMode(SinkSpec.Mode.APPEND);
    return new PipelineSpec(
        spec.name(),
        spec.file(),
        spec.schedule(),
        spec.partitions(),
        spec.source(),
        spec.columns(),
        spec.transforms(),
        spec.validate(),
        append,
        spec.retry(),
        spec.attemptTimeout(),
        spec.text(),
        spec.hash());
  }

  /**
   * Refuses a source that continues across runs (Kafka): a replay reads the source from the start
   * and publishes only the rejected positions, but a stream's publish also moves its stored
   * position, which would skip what lies between.
   */
  static void checkReplayable(PipelineSpec spec) {
    if (spec.source().stream() != null) {
      throw new BadInputException(
          spec.name()
              + ": replaying the dead letters of a "
              + spec.source().kind()
              + " source is not supported yet; fix the pipeline and re-send the messages");
    }
  }

  /**
   * Finds the rejects of {@code run} (null: the newest run with rejects in {@code partition}) and
   * creates their replay run with {@code spec} (already {@link #forReplay}) of version {@code
   * versionId}.
   */
  static Plan create(
      MetadataStore store, PipelineSpec spec, long versionId, String partition, Long run) {
    checkReplayable(spec);
    DeadLetterStore deadLetters = store.deadLetters();
    OptionalLong source =
        run != null ? OptionalLong.of(run) : deadLetters.latestRun(spec.name(), partition);
    long[] positions =
        source.isEmpty()
            ? new long[0]
            : deadLetters
                .list(spec.name(), partition, source.getAsLong(), Integer.MAX_VALUE)
                .stream()
                .filter(r -> !r.reason().startsWith("duplicate key"))
                .mapToLong(DeadLetterStore.Row::position)
                .distinct()
                .toArray();
    if (positions.length == 0) {
      return new Nothing(source);
    }
    LocalRun local = LocalRun.builder(store).build();
    Optional<Long> replay = local.createReplay(spec, versionId, source.getAsLong(), partition);
    return replay.isEmpty()
        ? new AlreadyReplayed(source.getAsLong())
        : new Created(replay.get(), source.getAsLong(), positions, spec, local);
  }

  /**
   * Executes {@code replay} in this thread until its task ends; {@code started} runs once the sink
   * is prepared, just before the source is read.
   */
  static void execute(MetadataStore store, Created replay, Runnable started) throws Exception {
    try (Sink sink = SinkFactory.create(replay.spec(), store.db())) {
      sink.prepare();
      started.run();
      replay
          .local()
          .execute(
              replay.runId(),
              replay.spec(),
              sink,
              1,
              (s, columns, p, baseDir, resume) ->
                  new OnlyPositions(
                      Connectors.installed().open(s, columns, p, baseDir, resume),
                      replay.positions()));
    }
  }
}
