package dev.keel.connector;

import dev.keel.KeelException;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The connector kinds on the class path, found once with {@link ServiceLoader}. Two providers of
 * one kind are a packaging mistake and refused at start.
 */
public final class Connectors {
  private static final Connectors INSTALLED = load(Connectors.class.getClassLoader());

  private final Map<String, SourceProvider> sources;
  private final Map<String, SinkProvider> sinks;
  private final Map<String, BufferProvider> buffers;

  private Connectors(
      Map<String, SourceProvider> sources,
      Map<String, SinkProvider> sinks,
      Map<String, BufferProvider> buffers) {
    this.sources = sources;
    this.sinks = sinks;
    this.buffers = buffers;
  }

  /** The providers found on keel's class path. */
  public static Connectors installed() {
    return INSTALLED;
  }

  static Connectors load(ClassLoader loader) {
    Map<String, SourceProvider> sources = new TreeMap<>();
    for (SourceProvider p : ServiceLoader.load(SourceProvider.class, loader)) {
      SourceProvider before = sources.put(p.kind(), p);
      if (before != null) {
        throw new IllegalStateException(
            "two source providers of kind '"
                + p.kind()
                + "': "
                + before.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
    Map<String, SinkProvider> sinks = new TreeMap<>();
    for (SinkProvider p : ServiceLoader.load(SinkProvider.class, loader)) {
      SinkProvider before = sinks.put(p.kind(), p);
      if (before != null) {
        throw new IllegalStateException(
            "two sink providers of kind '"
                + p.kind()
                + "': "
                + before.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
    Map<String, BufferProvider> buffers = new TreeMap<>();
    for (BufferProvider p : ServiceLoader.load(BufferProvider.class, loader)) {
      BufferProvider before = buffers.put(p.kind(), p);
      if (before != null) {
        throw new IllegalStateException(
            "two buffer providers of kind '"
                + p.kind()
                + "': "
                + before.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
    return new Connectors(Map.copyOf(sources), Map.copyOf(sinks), Map.copyOf(buffers));
  }

  /** Source kinds by their YAML key, sorted. */
  public Map<String, SourceProvider> sources() {
    return new TreeMap<>(sources);
  }

  /** Sink kinds by their YAML key, sorted. */
  public Map<String, SinkProvider> sinks() {
    return new TreeMap<>(sinks);
  }

  /** Buffer kinds by their YAML key, sorted. */
  public Map<String, BufferProvider> buffers() {
    return new TreeMap<>(buffers);
  }

  public BufferProvider buffer(String kind) {
    BufferProvider p = buffers.get(kind);
    if (p == null) {
      throw new KeelException(
          "no buffer of kind '"
              + kind
              + "' is installed (installed: "
              + String.join(", ", buffers().keySet())
              + ")");
    }
    return p;
  }

  public SourceProvider source(String kind) {
    SourceProvider p = sources.get(kind);
    if (p == null) {
      throw new KeelException(
          "no source of kind '"
              + kind
              + "' is installed (installed: "
              + String.join(", ", sources().keySet())
              + ")");
    }
    return p;
  }

  public SinkProvider sink(String kind) {
    SinkProvider p = sinks.get(kind);
    if (p == null) {
      throw new KeelException(
          "no sink of kind '"
              + kind
              + "' is installed (installed: "
              + String.join(", ", sinks().keySet())
              + ")");
    }
    return p;
  }

  /** Opens {@code spec} through the provider of its kind (see {@link SourceProvider#open}). */
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    return source(spec.kind()).open(spec, columns, partition, baseDir, resume);
  }

  /** The same, for a partition that may be a time window. */
  public RecordSource open(
      SourceSpec spec,
      List<Column> columns,
      dev.keel.spec.PartitionRef partition,
      Path baseDir,
      String resume) {
    return source(spec.kind()).open(spec, columns, partition, baseDir, resume);
  }

  /** Opens only the records at {@code positions} (see {@link SourceProvider#openPositions}). */
  public RecordSource openPositions(
      SourceSpec spec,
      List<Column> columns,
      dev.keel.spec.PartitionRef partition,
      Path baseDir,
      String resume,
      long[] positions) {
    return source(spec.kind()).openPositions(spec, columns, partition, baseDir, resume, positions);
  }

  /**
   * The partitions a run of {@code pipeline} is cut into: those the source defines ({@link
   * SourceProvider#partitions}) when the file names none, else the file's.
   */
  public List<String> partitionsOf(PipelineSpec pipeline) {
    if (pipeline.partitions() == null
        || pipeline.partitions().equals(dev.keel.spec.Partitions.SINGLE)) {
      List<String> own = source(pipeline.source().kind()).partitions(pipeline.source());
      if (own != null) {
        return own;
      }
    }
    return pipeline.partitions().list();
  }

  /** The provider of the pipeline's sink. */
  public SinkProvider sinkOf(PipelineSpec pipeline) {
    return sink(pipeline.sink().kind());
  }
}
