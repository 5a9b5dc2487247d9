package dev.keel.runtime;

import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.ValidateSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt at one partition: read → coerce (by the source) → transform → validate → stage →
 * publish. Records stream through; nothing holds the partition in memory. Nothing reaches the
 * target unless the whole partition is within {@code max_rejected} and the fence allows it.
 */
public final class PartitionRunner {
  private static final Logger log = LoggerFactory.getLogger(PartitionRunner.class);
  private static final int CONTROL_EVERY = 4096;

  private final PipelineSpec spec;
  private final SourceOpener sources;

  /**
   * What the attempt was doing, for a failure message a person can act on (read by other threads
   * too, see cancel).
   */
  private volatile Step step = Step.STARTING;

  /** The source's lag when the last run finished reading (-1: not a stream, or unknown). */
  private volatile long lag = -1;

  /** The source being read, for {@link #cancel()} from another thread. */
  private volatile RecordSource reading;

  public PartitionRunner(PipelineSpec spec, SourceOpener sources) {
    this.spec = spec;
    this.sources = sources;
  }

  public PartitionResult run(TaskRef task, Sink sink, Rejects rejects, TaskControl control) {
    return run(task, sink, rejects, control, checkpoint -> {});
  }

  /**
   * Makes a run blocked in its source (a query on a database that does not answer) fail soon: the
   * source cancels its work and closes its connection. Called from another thread, e.g. when the
   * attempt ran out of time; the run then fails with the source's error.
   */
  public void cancel() {
    RecordSource source = reading;
    if (source != null) {
      source.cancel();
    }
  }

  /**
   * The step the last run was in (when it failed: the step that failed), e.g. {@link
   * Step#READING_SOURCE}.
   */
  public Step step() {
    return step;
  }

  /**
   * How many records were behind the end of a stream source when the last run finished reading it,
   * or -1 (not a stream, or the source could not tell).
   */
  public long lag() {
    return lag;
  }

  /**
   * @param onChunk told of every checkpoint committed with a chunk (commit: chunk only), e.g. to
   *     show it in {@code keel status}
   */
  public PartitionResult run(
      TaskRef task,
      Sink sink,
      Rejects rejects,
      TaskControl control,
      java.util.function.Consumer<SinkSession.Checkpoint> onChunk) {
    long started = System.nanoTime();
    Transforms transforms = new Transforms(spec);
    ValidateSpec.MaxRejected max = spec.validate().maxRejected();
    long chunkRows = chunkRows();
    Counts n = new Counts();
    step = Step.STARTING_STAGE;
    try (SinkSession session = sink.begin(task)) {
      step = Step.READING_CHECKPOINT;
      SinkSession.Checkpoint resume = chunkRows > 0 ? session.resumePoint() : null;
      if (resume != null) {
        n.resume(resume);
        log.info(
            "{}: resuming after the checkpoint at {} ({} records read, {} published before)",
            task,
            resume.position(),
            resume.read(),
            resume.published());
      }
      // A stream (Kafka) goes on from where the partition's last publish stopped, in any run.
      String stream = spec.source().stream();
      String start = resume != null ? resume.position() : null;
      if (start == null && stream != null) {
        start = session.storedPosition(stream);
      }
      step = Step.OPENING_SOURCE;
      try (RecordSource source =
          sources.open(
              spec.source(),
              spec.columns(),
              spec.partitions()
                  .ref(task.partition())
                  .orElse(dev.keel.spec.PartitionRef.named(task.partition())),
              spec.baseDir(),
              start)) {
        reading = source;
        long inChunk = 0;
        String lastPosition = start;
        // Still opening: a JDBC source runs its query at the first record (so that it can be
        // cancelled).
        SourceRecord rec = source.next();
        step = Step.READING_SOURCE;
        for (; rec != null; rec = source.next()) {
          n.read++;
          if ((n.read & (CONTROL_EVERY - 1)) == 0) {
            stopIfAsked(control, task);
          }
          if (rec.isRejected()) {
            n.rejected++;
            rejects.reject(rec.position(), rec.raw(), rec.error());
          } else {
            Object[] row = rec.values();
            switch (transforms.apply(row)) {
              case KEEP -> {
                step = Step.STAGING;
                session.stage(rec.position(), row);
                step = Step.READING_SOURCE;
                inChunk++;
              }
              case FILTERED -> n.filtered++;
              case REJECTED -> {
                n.rejected++;
                rejects.reject(rec.position(), render(row), transforms.reason());
              }
            }
          }
          if (chunkRows > 0 && inChunk >= chunkRows) {
            String position = source.position() == null ? lastPosition : source.position();
            step = Step.PUBLISHING_CHUNK;
            storePosition(session, stream, position);
            publishChunk(task, session, n, position, rejects, max, control);
            step = Step.RECORDING_CHECKPOINT;
            onChunk.accept(n.checkpoint(position));
            step = Step.READING_SOURCE;
            lastPosition = position;
            inChunk = 0;
          }
        }
        lag = source.lag();
        step = Step.VALIDATING;
        if (max.exceeded(n.rejected, n.read)) {
          throw RejectedLimitException.ofPartition(
              n.rejected, limitMessage(task, n.rejected, n.read, max));
        }
        stopIfAsked(control, task);
        if (n.read == 0) {
          step = Step.CHECKING_EMPTY_SOURCE;
          session.checkEmptySource();
        }
        long rejectedBefore = n.rejected;
        long readTotal = n.read;
        step = Step.PUBLISHING;
        storePosition(
            session, stream, source.position() == null ? lastPosition : source.position());
        SinkSession.PublishResult result =
            session.publish(
                rejects, atPublish -> !max.exceeded(rejectedBefore + atPublish, readTotal));
        n.rejected += result.rejected();
        step = Step.PUBLISHED;
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long published =
            result.alreadyPublished() ? result.published() : n.published + result.published();
        log.debug(
            "{}: read {}, filtered {}, rejected {}, published {} in {} ms",
            task,
            n.read,
            n.filtered,
            n.rejected,
            published,
            took.toMillis());
        return new PartitionResult(
            n.read,
            n.filtered,
            n.rejected,
            published,
            took,
            result.alreadyPublished(),
            n.resumedRead);
      }
    } catch (RejectedLimitException e) {
      // The sink only knows how many records it rejected at publish; say it in the partition's
      // terms.
      if (e.partitionTotal()) {
        throw e;
      }
      long total = n.rejected + e.rejected();
      throw RejectedLimitException.ofPartition(total, limitMessage(task, total, n.read, max));
    } catch (IOException e) {
      throw new UncheckedIOException(
          task + ": reading " + spec.source() + " failed: " + e.getMessage(), e);
    } finally {
      reading = null;
    }
  }

  private void publishChunk(
      TaskRef task,
      SinkSession session,
      Counts n,
      String position,
      Rejects rejects,
      ValidateSpec.MaxRejected max,
      TaskControl control) {
    if (max.exceeded(n.rejected, n.read)) {
      throw RejectedLimitException.ofPartition(
          n.rejected, limitMessage(task, n.rejected, n.read, max));
    }
    stopIfAsked(control, task);
    rejects.flush();
    long rejectedBefore = n.rejected;
    long readTotal = n.read;
    SinkSession.PublishResult chunk =
        session.publishChunk(
            n.checkpoint(position),
            rejects,
            atPublish -> !max.exceeded(rejectedBefore + atPublish, readTotal));
    n.rejected += chunk.rejected();
    n.published += chunk.published();
    n.chunks++;
  }

  /** The position a stream's publish stores with its rows (none before the first record). */
  private static void storePosition(SinkSession session, String stream, String position) {
    if (stream != null && position != null) {
      session.storePosition(stream, position);
    }
  }

  private long chunkRows() {
    return spec.sink().commit() == dev.keel.spec.SinkSpec.Commit.CHUNK
        ? spec.sink().chunkRows()
        : 0;
  }

  /** Running totals of one partition, across resumed attempts. */
  private static final class Counts {
    long read;
    long filtered;
    long rejected;
    long published;
    long resumedRead;
    int chunks;

    void resume(SinkSession.Checkpoint c) {
      read = c.read();
      filtered = c.filtered();
      rejected = c.rejected();
      published = c.published();
      resumedRead = c.read();
      chunks = c.chunks();
    }

    SinkSession.Checkpoint checkpoint(String position) {
      return new SinkSession.Checkpoint(position, chunks, read, filtered, rejected, published);
    }
  }

  static String limitMessage(TaskRef task, long rejected, long read, ValidateSpec.MaxRejected max) {
    return String.format(
        "partition %s of %s: %d of %d records rejected (%.2f%%), over max_rejected %s; nothing was"
            + " published. See keel.dead_letter (run %d) for each record and reason, fix the data or raise validate.max_rejected",
        task.partition(),
        task.pipeline(),
        rejected,
        read,
        read == 0 ? 0.0 : rejected * 100.0 / read,
        max,
        task.runId());
  }

  private static void stopIfAsked(TaskControl control, TaskRef task) {
    String why = control.stopReason();
    if (why != null) {
      throw new TaskStoppedException(task + " stopped before publishing: " + why);
    }
  }

  /** A rejected record's values as one comma-separated line, for the dead-letter table. */
  static String render(Object[] row) {
    StringJoiner j = new StringJoiner(",");
    for (Object v : row) {
      String s = v == null ? "" : v.toString();
      j.add(
          s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0
              ? '"' + s.replace("\"", "\"\"") + '"'
              : s);
    }
    return j.toString();
  }
}
