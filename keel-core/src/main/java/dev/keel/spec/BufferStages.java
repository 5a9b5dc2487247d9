package dev.keel.spec;

import dev.keel.KeelException;
import dev.keel.connector.BufferProvider;
import dev.keel.connector.Connectors;
import java.util.List;

/**
 * A buffered pipeline ({@code buffer:}) runs as two pipelines of its own, each with its runs and
 * tasks: the extract stage under the file's name (its schedule, partitions, transforms and
 * validation; its sink is the buffer) and the load stage under {@code NAME.load} (reads the buffer,
 * {@code schedule: continuous}, the buffer's partitions, publishes into the declared sink, which
 * stores the buffer position with each publish). A name with a dot cannot be written in a pipeline
 * file, so the load stage never collides with a pipeline of its own. Both stages are stored as
 * versions of the same file text; {@link #stage} picks the one a stored name means.
 */
public final class BufferStages {
  /** Appended to the pipeline's name for its load stage. */
  public static final String LOAD_SUFFIX = ".load";

  private BufferStages() {}

  /** The stages a file's pipeline runs as: itself when it has no buffer, else extract and load. */
  public static List<PipelineSpec> split(PipelineSpec whole, Connectors connectors) {
    if (whole.buffer() == null || isLoad(whole)) {
      return List.of(whole);
    }
    return List.of(extract(whole, connectors), load(whole, connectors));
  }

  /** The stage of {@code whole} stored under {@code name}: the extract, the load, or itself. */
  public static PipelineSpec stage(PipelineSpec whole, String name, Connectors connectors) {
    for (PipelineSpec s : split(whole, connectors)) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new KeelException(
        "pipeline " + name + " is not a stage of " + whole.name() + " (" + whole.file() + ")");
  }

  public static PipelineSpec stage(PipelineSpec whole, String name) {
    return stage(whole, name, Connectors.installed());
  }

  public static List<PipelineSpec> split(PipelineSpec whole) {
    return split(whole, Connectors.installed());
  }

  /** Whether {@code spec} is the load stage of a buffered pipeline. */
  public static boolean isLoad(PipelineSpec spec) {
    return spec.buffer() != null && spec.name().endsWith(LOAD_SUFFIX);
  }

  /** The name the file gave a stage's pipeline. */
  public static String fileName(String stageName) {
    return stageName.endsWith(LOAD_SUFFIX)
        ? stageName.substring(0, stageName.length() - LOAD_SUFFIX.length())
        : stageName;
  }

  /**
   * Source → buffer: the file's pipeline with the buffer as its sink. No buffer of its own, so it
   * is an ordinary pipeline to the scheduler and the workers.
   */
  static PipelineSpec extract(PipelineSpec whole, Connectors connectors) {
    BufferProvider p = connectors.buffer(whole.buffer().kind());
    return whole.withSink(p.extractSink(whole.buffer(), whole.sink().key())).withBuffer(null);
  }

  /**
   * Buffer → the declared sink, continuously. The transforms ran in the extract stage; validation
   * runs again (its checks hold for records that passed them once, so it rejects nothing new).
   */
  static PipelineSpec load(PipelineSpec whole, Connectors connectors) {
    BufferProvider p = connectors.buffer(whole.buffer().kind());
    return new PipelineSpec(
        whole.name() + LOAD_SUFFIX,
        whole.file(),
        PipelineSpec.CONTINUOUS,
        Partitions.SINGLE,
        p.loadSource(whole.buffer()),
        whole.columns(),
        List.of(),
        whole.validate(),
        whole.sink(),
        whole.retry(),
        whole.attemptTimeout(),
        whole.regions(),
        whole.buffer(),
        whole.text(),
        whole.hash());
  }
}
