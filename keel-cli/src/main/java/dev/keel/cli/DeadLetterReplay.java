package dev.keel.cli;

import dev.keel.connector.Connectors;
import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.runtime.Sink;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SourceSpec;
import dev.keel.store.DeadLetterStore;
import dev.keel.store.MetadataStore;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One replay of the records a run rejected in a partition, for {@code keel replay} and the web UI's
 * Replay action alike: {@link #create} finds the source run and its rejected positions and creates
 * the replay run; {@link #execute} reads the source again at those positions only (a file from its
 * start, letting only them pass; a Kafka partition by a seek per offset) and publishes them through
 * the normal staged, fenced publish. Records rejected for repeating a key are not replayed (the
 * first record with that key was published; that is the unique rule, not an error).
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
   * rejected records; replace would delete the rows the run published and leave just those), and a
   * source that continues across runs (Kafka) is read at the rejected positions without touching
   * its stored position: the partition's next run goes on from where its last run stopped, the
   * replay's messages lying before that.
   */
  static PipelineSpec forReplay(PipelineSpec spec) {
    SinkSpec sink =
        spec.sink().mode() == SinkSpec.Mode.REPLACE
            ? spec.sink().withMode(SinkSpec.Mode.APPEND)
            : spec.sink();
    SourceSpec source =
        spec.source().stream() == null ? spec.source() : new Replayed(spec.source());
    if (sink == spec.sink() && source == spec.source()) {
      return spec;
    }
    // with its regions and everything else the file said: only where it reads and how it writes
    // change
    return spec.withSource(source).withSink(sink);
  }

  /**
   * Why {@code partition} is not one of the pipeline's, or null when it is: for a source that
   * defines its partitions (a Kafka topic's), those the source has now.
   */
  static String unknownPartition(PipelineSpec spec, String partition) {
    if (spec.source().stream() == null) {
      return spec.unknownPartition(java.util.List.of(partition));
    }
    try {
      RunPartitions.choose(spec, java.util.List.of(partition));
      return null;
    } catch (BadInputException e) {
      return e.getMessage();
    }
  }

  /** A stream source read for a replay: the same source, with no position stored by its publish. */
  private record Replayed(SourceSpec source) implements SourceSpec {
    @Override
    public String kind() {
      return source.kind();
    }

    @Override
    public String toString() {
      return source.toString();
    }
  }

  private static SourceSpec unwrap(SourceSpec s) {
    return s instanceof Replayed r ? r.source() : s;
  }

  /**
   * Finds the rejects of {@code run} (null: the newest run with rejects in {@code partition}) and
   * creates their replay run with {@code spec} (already {@link #forReplay}) of version {@code
   * versionId}.
   */
  static Plan create(
      MetadataStore store, PipelineSpec spec, long versionId, String partition, Long run) {
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
                  Connectors.installed()
                      .openPositions(unwrap(s), columns, p, baseDir, resume, replay.positions()));
    }
  }
}
