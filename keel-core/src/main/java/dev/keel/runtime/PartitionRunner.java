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
 * Runs one attempt at one partition: read → coerce (by the source) → transform → validate →
 * stage → publish. Records stream through; nothing holds the partition in memory. Nothing reaches
 * the target unless the whole partition is within {@code max_rejected} and the fence allows it.
 */
public final class PartitionRunner {
  private static final Logger log = LoggerFactory.getLogger(PartitionRunner.class);
  private static final int CONTROL_EVERY = 4096;

  private final PipelineSpec spec;
  private final SourceOpener sources;

  public PartitionRunner(PipelineSpec spec, SourceOpener sources) {
    this.spec = spec;
    this.sources = sources;
  }

  public PartitionResult run(TaskRef task, Sink sink, Rejects rejects, TaskControl control) {
    long started = System.nanoTime();
    Transforms transforms = new Transforms(spec);
    ValidateSpec.MaxRejected max = spec.validate().maxRejected();
    long read = 0;
    long filtered = 0;
    long rejected = 0;
    try (RecordSource source = sources.open(spec.source(), spec.columns(), task.partition(), spec.baseDir());
        SinkSession session = sink.begin(task)) {
      SourceRecord rec;
      while ((rec = source.next()) != null) {
        read++;
        if ((read & (CONTROL_EVERY - 1)) == 0) {
          stopIfAsked(control, task);
        }
        if (rec.isRejected()) {
          rejected++;
          rejects.reject(rec.position(), rec.raw(), rec.error());
          continue;
        }
        Object[] row = rec.values();
        switch (transforms.apply(row)) {
          case KEEP -> session.stage(rec.position(), row);
          case FILTERED -> filtered++;
          case REJECTED -> {
            rejected++;
            rejects.reject(rec.position(), render(row), transforms.reason());
          }
        }
      }
      long beforePublish = rejected;
      long total = read;
      if (max.exceeded(rejected, read)) {
        throw new RejectedLimitException(limitMessage(task, rejected, read, max));
      }
      stopIfAsked(control, task);
      SinkSession.PublishResult result = session.publish(rejects, dups -> !max.exceeded(beforePublish + dups, total));
      rejected += result.duplicates();
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      log.debug("{}: read {}, filtered {}, rejected {}, published {} in {} ms", task, read, filtered, rejected, result.published(), took.toMillis());
      return new PartitionResult(read, filtered, rejected, result.published(), took, result.alreadyPublished());
    } catch (RejectedLimitException e) {
      // The sink only knows how many duplicates it found; say it in the partition's terms.
      throw e.getMessage().startsWith("partition") ? e : new RejectedLimitException(limitMessage(task, rejected + countOf(e), read, max));
    } catch (IOException e) {
      throw new UncheckedIOException(task + ": reading " + spec.source() + " failed: " + e.getMessage(), e);
    }
  }

  private static long countOf(RejectedLimitException e) {
    String m = e.getMessage();
    try {
      return Long.parseLong(m.substring(0, m.indexOf(' ')));
    } catch (RuntimeException ex) {
      return 0;
    }
  }

  static String limitMessage(TaskRef task, long rejected, long read, ValidateSpec.MaxRejected max) {
    return String.format("partition %s of %s: %d of %d records rejected (%.2f%%), over max_rejected %s; nothing was"
            + " published. See keel.dead_letter (run %d) for each record and reason, fix the data or raise validate.max_rejected",
        task.partition(), task.pipeline(), rejected, read, read == 0 ? 0.0 : rejected * 100.0 / read, max, task.runId());
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
      j.add(s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 ? '"' + s.replace("\"", "\"\"") + '"' : s);
    }
    return j.toString();
  }
}
