package dev.keel.spec;

import dev.keel.connector.Connectors;
import dev.keel.connector.PipelineContext;
import dev.keel.expr.ExpressionCompiler;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads a pipeline file into an immutable {@link PipelineSpec}, collecting every problem (with line
 * and column) before failing, so {@code keel validate} can report them all at once.
 */
public final class SpecReader {
  private static final Set<String> TOP =
      Set.of(
          "name",
          "description",
          "schedule",
          "partitions",
          "source",
          "columns",
          "transform",
          "validate",
          "sink",
          "retry",
          "attempt_timeout",
          "regions",
          "buffer");
  private final SecretResolver secrets;
  private final Connectors connectors;

  /** A reader for the connector kinds installed on the class path. */
  public SpecReader(SecretResolver secrets) {
    this(secrets, Connectors.installed());
  }

  public SpecReader(SecretResolver secrets, Connectors connectors) {
    this.secrets = secrets;
    this.connectors = connectors;
  }

  public SpecReader() {
    this(SecretResolver.system());
  }

  public PipelineSpec read(Path file) {
    return parse(readText(file), file);
  }

  /** The file as UTF-8 text, at most 1 MiB; a SpecException naming the file otherwise. */
  static String readText(Path file) {
    try {
      byte[] bytes = SmallFiles.read(file);
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new SpecException(
          List.of(
              new SpecProblem(
                  file.toString(),
                  1,
                  1,
                  "the file is not valid UTF-8 (perhaps windows-1252 or ISO-8859-1); save it as UTF-8")));
    } catch (SmallFiles.Unreadable e) {
      throw new SpecException(
          List.of(new SpecProblem(file.toString(), 0, 0, "the pipeline file " + e.getMessage())));
    }
  }

  public PipelineSpec parse(String text, Path file) {
    YamlTree yaml = new YamlTree(file.toString());
    Node root = yaml.compose(text);
    if (root == null) {
      throw new SpecException(yaml.problems());
    }
    Map<String, NodeTuple> top = yaml.mapping(root, "a pipeline file");
    if (top == null) {
      throw new SpecException(yaml.problems());
    }
    yaml.onlyKeys(top, "the pipeline", TOP);
    Sections b = new Sections(yaml, top, root);
    String name = b.name();
    b.description();
    String schedule = b.schedule();
    Partitions partitions = b.partitions();
    List<Column> columns = b.columns();
    PipelineContext context = new PipelineContext(name, columns, partitions);
    ConnectorSections connectorSections = new ConnectorSections(yaml, secrets, connectors);
    SourceSpec source = connectorSections.source(b.required("source"), context);
    ExpressionCompiler compiler = columns.isEmpty() ? null : new ExpressionCompiler(columns);
    List<TransformSpec> transforms = b.transforms(compiler, columns);
    ValidateSpec validate = b.validate(compiler, columns);
    Node sinkNode = b.required("sink");
    SinkSpec sink = connectorSections.sink(sinkNode, context);
    Node bufferNode = b.optional("buffer");
    BufferSpec buffer = bufferNode == null ? null : connectorSections.buffer(bufferNode, context);
    if (sink != null) {
      b.columnLimit(connectors.sink(sink.kind()).capabilities());
      if (bufferNode != null) {
        bufferable(yaml, bufferNode, source, sink);
      } else if (source != null && source.stream() != null) {
        streamSink(yaml, sinkNode, source, sink);
      }
    }
    RetrySpec retry = b.retry();
    Duration attemptTimeout = b.attemptTimeout();
    List<String> regions = b.regions();
    if (!yaml.problems().isEmpty()) {
      throw new SpecException(yaml.problems());
    }
    return new PipelineSpec(
        name,
        file,
        schedule,
        partitions,
        source,
        columns,
        transforms,
        validate,
        sink,
        retry,
        attemptTimeout,
        regions,
        buffer,
        text,
        sha256(text));
  }

  /**
   * A source that continues across runs yields each record once, in one run: its sink must store
   * the position with each publish, and must not replace (which would drop what earlier runs
   * published).
   */
  private void streamSink(YamlTree yaml, Node sinkNode, SourceSpec source, SinkSpec sink) {
    if (!connectors.sink(sink.kind()).storesPositions()) {
      yaml.error(
          sinkNode,
          "a "
              + source.kind()
              + " source needs a sink that stores its position with each publish; sink "
              + sink.kind()
              + " does not (use sink: postgres)");
    } else if (sink.mode() == SinkSpec.Mode.REPLACE) {
      yaml.error(
          sinkNode,
          "mode replace would delete what earlier runs of a "
              + source.kind()
              + " source published (each run reads only the new messages): use mode append or"
              + " upsert");
    }
  }

  /**
   * A buffered pipeline's load stage reads a stream: its sink must store positions and must not
   * replace; a source that is a stream already needs no buffer, and a sink that is a buffer's kind
   * (a topic into a topic) gains nothing from one.
   */
  private void bufferable(YamlTree yaml, Node bufferNode, SourceSpec source, SinkSpec sink) {
    if (source != null && source.stream() != null) {
      yaml.error(
          bufferNode,
          "a "
              + source.kind()
              + " source needs no buffer: it is one already (its positions are stored by the sink)."
              + " Remove buffer:");
    }
    if (connectors.buffers().containsKey(sink.kind())) {
      yaml.error(
          bufferNode,
          "buffer: in front of a "
              + sink.kind()
              + " sink would copy one topic into another; a "
              + sink.kind()
              + " sink buffers by itself. Remove buffer:, or use sink: postgres");
    } else if (!connectors.sink(sink.kind()).storesPositions()) {
      yaml.error(
          bufferNode,
          "buffer: needs a sink that stores the buffer's position with each publish; sink "
              + sink.kind()
              + " does not (use sink: postgres)");
    } else if (sink.mode() == SinkSpec.Mode.REPLACE) {
      yaml.error(
          bufferNode,
          "buffer: with mode replace would delete what earlier loads published (the load stage"
              + " reads only new records): use mode append or upsert, or remove buffer:");
    }
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses "500ms", "2s", "5m", "1h", "1d"; null (with a problem reported) when malformed. */
  static Duration duration(YamlTree yaml, Node node, String what) {
    String s = yaml.string(node, what);
    if (s == null) {
      return null;
    }
    try {
      return Durations.parse(s);
    } catch (IllegalArgumentException e) {
      yaml.error(
          node, what + " must be a duration such as " + Durations.EXAMPLES + ", not '" + s + "'");
      return null;
    }
  }

  /**
   * Whether {@code name} is not a declared column. With no columns (missing or all refused, already
   * reported) nothing is called unknown, so one mistake does not cascade into many.
   */
  /** The message for a column that is not declared, or null when it is (for connectors). */
  public static String unknownColumnProblem(String where, String name, List<Column> columns) {
    return isUnknown(name, columns) ? unknownColumn(where, name, columns) : null;
  }

  static boolean isUnknown(String name, List<Column> columns) {
    return !columns.isEmpty() && columns.stream().noneMatch(c -> c.name().equals(name));
  }

  static String unknownColumn(String where, String name, List<Column> columns) {
    List<String> names = columns.stream().map(Column::name).toList();
    String hint = Suggest.closest(name, names);
    return where
        + ": unknown column '"
        + name
        + "'"
        + (hint != null
            ? "; did you mean '" + hint + "'?"
            : "; columns are " + String.join(", ", names));
  }
}
