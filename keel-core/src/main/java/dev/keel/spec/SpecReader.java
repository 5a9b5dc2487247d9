package dev.keel.spec;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import dev.keel.expr.ExpressionCompiler;
import dev.keel.expr.ExpressionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads a pipeline file into an immutable {@link PipelineSpec}, collecting every problem (with line
 * and column) before failing, so {@code keel validate} can report them all at once.
 */
public final class SpecReader {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");
  private static final Set<String> TOP =
      Set.of("name", "description", "schedule", "partitions", "source", "columns", "transform", "validate", "sink", "retry");
  /** PostgreSQL allows 1,600 columns in a table; keel's staging table adds one (_keel_pos). */
  static final int MAX_COLUMNS = 1599;
  private static final Map<String, String> EXAMPLES = Map.of(
      "name", "name: orders_daily",
      "source", "source: { csv: { path: data/orders.csv } }",
      "columns", "columns: { id: bigint, customer: text }",
      "sink", "sink: { postgres: { table: orders, key: [id] } }");

  private final SecretResolver secrets;

  public SpecReader(SecretResolver secrets) {
    this.secrets = secrets;
  }

  public SpecReader() {
    this(SecretResolver.system());
  }

  public PipelineSpec read(Path file) {
    String text;
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > YamlTree.MAX_CODE_POINTS) {
        throw new SpecException(List.of(new SpecProblem(file.toString(), 1, 1, "the file is larger than 1 MiB; is it really a pipeline?")));
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new SpecException(List.of(new SpecProblem(file.toString(), 1, 1,
          "the file is not valid UTF-8 (perhaps windows-1252 or ISO-8859-1); save it as UTF-8")));
    } catch (IOException e) {
      throw new SpecException(List.of(new SpecProblem(file.toString(), 0, 0,
          "cannot read the pipeline file (" + e.getClass().getSimpleName() + "); check the path")));
    }
    return parse(text, file);
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
    Builder b = new Builder(yaml, top, root);
    String name = b.name();
    b.description();
    String schedule = b.schedule();
    Partitions partitions = b.partitions();
    List<Column> columns = b.columns();
    SourceSpec source = new ConnectionSpecs(yaml, secrets).source(b.required("source"));
    ExpressionCompiler compiler = columns.isEmpty() ? null : new ExpressionCompiler(columns);
    List<TransformSpec> transforms = b.transforms(compiler, columns);
    ValidateSpec validate = b.validate(compiler, columns);
    SinkSpec sink = new ConnectionSpecs(yaml, secrets).sink(b.required("sink"), name, columns, partitions);
    RetrySpec retry = b.retry();
    if (!yaml.problems().isEmpty()) {
      throw new SpecException(yaml.problems());
    }
    return new PipelineSpec(name, file, schedule, partitions, source, columns, transforms, validate, sink, retry, text, sha256(text));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
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
    Matcher m = DURATION.matcher(s.trim());
    if (!m.matches()) {
      yaml.error(node, what + " must be a duration such as 500ms, 2s, 5m or 1h, not '" + s + "'");
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** The sections that are not connections; each method reports its own problems. */
  private static final class Builder {
    private final YamlTree yaml;
    private final Map<String, NodeTuple> top;
    private final Node root;

    Builder(YamlTree yaml, Map<String, NodeTuple> top, Node root) {
      this.yaml = yaml;
      this.top = top;
      this.root = root;
    }

    Node required(String key) {
      NodeTuple t = top.get(key);
      if (t == null) {
        yaml.error(root, "missing required key '" + key + "'; add for example " + EXAMPLES.get(key));
        return null;
      }
      return t.getValueNode();
    }

    Node optional(String key) {
      NodeTuple t = top.get(key);
      return t == null ? null : t.getValueNode();
    }

    String name() {
      Node n = required("name");
      String name = n == null ? null : yaml.string(n, "name");
      if (name != null && (!NAME.matcher(name).matches() || Identifiers.problem(name) != null)) {
        String why = Identifiers.problem(name);
        yaml.error(n, "name '" + name + "' must match [a-z][a-z0-9_]*" + (why != null ? " (" + why + ")" : ""));
      }
      return name;
    }

    void description() {
      Node n = optional("description");
      if (n != null) {
        yaml.string(n, "description");
      }
    }

    String schedule() {
      Node n = optional("schedule");
      if (n == null) {
        return null;
      }
      String cron = yaml.string(n, "schedule");
      if (cron != null) {
        try {
          new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(cron).validate();
        } catch (IllegalArgumentException e) {
          yaml.error(n, "schedule '" + cron + "' is not a valid cron expression (minute hour day month weekday, UTC): "
              + e.getMessage());
        }
      }
      return cron;
    }

    Partitions partitions() {
      Node n = optional("partitions");
      if (n == null) {
        return Partitions.SINGLE;
      }
      Map<String, NodeTuple> map = yaml.mapping(n, "partitions");
      if (map == null) {
        return Partitions.SINGLE;
      }
      yaml.onlyKeys(map, "partitions", Set.of("values", "dates"));
      if (map.containsKey("values") == map.containsKey("dates")) {
        yaml.error(n, "partitions needs exactly one of 'values: [a, b]' or 'dates: { from: 2026-01-01, to: 2026-01-31 }'");
        return Partitions.SINGLE;
      }
      if (map.containsKey("values")) {
        List<String> values = new ArrayList<>();
        List<Node> items = yaml.sequence(map.get("values").getValueNode(), "partitions.values");
        for (Node item : items == null ? List.<Node>of() : items) {
          String v = yaml.string(item, "a partition value");
          if (v != null && (!v.matches("[A-Za-z0-9_.-]{1,100}") || v.equals(".") || v.equals(".."))) {
            yaml.error(item, "partition value '" + v + "' may use only letters, digits, '_', '.', '-' (it is used in paths), and may not be '.' or '..'");
          } else if (v != null && values.contains(v)) {
            yaml.error(item, "partition value '" + v + "' is listed twice");
          } else if (v != null) {
            values.add(v);
          }
        }
        if (items != null && items.isEmpty()) {
          yaml.error(n, "partitions.values must not be empty");
        }
        return values.isEmpty() ? Partitions.SINGLE : new Partitions(List.copyOf(values), null, null);
      }
      Map<String, NodeTuple> dates = yaml.mapping(map.get("dates").getValueNode(), "partitions.dates");
      if (dates == null) {
        return Partitions.SINGLE;
      }
      yaml.onlyKeys(dates, "partitions.dates", Set.of("from", "to"));
      LocalDate from = date(dates, "from", n);
      LocalDate to = date(dates, "to", n);
      if (from == null || to == null) {
        return Partitions.SINGLE;
      }
      if (to.isBefore(from)) {
        yaml.error(dates.get("to").getValueNode(), "partitions.dates: 'to' (" + to + ") is before 'from' (" + from + ")");
        return Partitions.SINGLE;
      }
      if (from.plusDays(Partitions.MAX_DATES).isBefore(to)) {
        yaml.error(n, "partitions.dates spans more than " + Partitions.MAX_DATES + " days");
        return Partitions.SINGLE;
      }
      return new Partitions(List.of(), from, to);
    }

    private LocalDate date(Map<String, NodeTuple> map, String key, Node parent) {
      NodeTuple t = map.get(key);
      if (t == null) {
        yaml.error(parent, "partitions.dates needs '" + key + "'");
        return null;
      }
      String s = YamlTree.scalarText(t.getValueNode());
      try {
        return LocalDate.parse(s);
      } catch (RuntimeException e) {
        yaml.error(t.getValueNode(), "partitions.dates." + key + " must be a date yyyy-mm-dd, not '" + s + "'");
        return null;
      }
    }

    List<Column> columns() {
      Node n = required("columns");
      if (n == null) {
        return List.of();
      }
      Map<String, NodeTuple> map = yaml.mapping(n, "columns");
      if (map == null) {
        return List.of();
      }
      if (map.isEmpty()) {
        yaml.error(n, "columns must declare at least one column");
      }
      if (map.size() > MAX_COLUMNS) {
        yaml.error(n, map.size() + " columns is too many: at most " + MAX_COLUMNS + " (PostgreSQL allows 1600 per table"
            + " and keel's staging table adds one); split the pipeline or the table");
      }
      List<Column> columns = new ArrayList<>();
      for (Map.Entry<String, NodeTuple> e : map.entrySet()) {
        String problem = Identifiers.problem(e.getKey());
        if (problem != null) {
          yaml.error(e.getValue().getKeyNode(), "column " + problem);
          continue;
        }
        if (e.getKey().startsWith("_keel")) {
          yaml.error(e.getValue().getKeyNode(), "column names starting with _keel are reserved for keel");
          continue;
        }
        String type = yaml.string(e.getValue().getValueNode(), "the type of column " + e.getKey());
        if (type == null) {
          continue;
        }
        try {
          columns.add(new Column(e.getKey(), ColumnType.parse(type)));
        } catch (IllegalArgumentException ex) {
          yaml.error(e.getValue().getValueNode(), "column " + e.getKey() + ": " + ex.getMessage());
        }
      }
      return List.copyOf(columns);
    }

    List<TransformSpec> transforms(ExpressionCompiler compiler, List<Column> columns) {
      Node n = optional("transform");
      if (n == null) {
        return List.of();
      }
      List<Node> steps = yaml.sequence(n, "transform");
      List<TransformSpec> out = new ArrayList<>();
      for (Node step : steps == null ? List.<Node>of() : steps) {
        Map<String, NodeTuple> map = yaml.mapping(step, "a transform step");
        if (map == null) {
          continue;
        }
        yaml.onlyKeys(map, "a transform step", Set.of("filter", "set"));
        if (map.size() != 1) {
          yaml.error(step, "each transform step has exactly one of 'filter' or 'set'");
          continue;
        }
        if (map.containsKey("filter")) {
          Node expr = map.get("filter").getValueNode();
          String source = yaml.string(expr, "filter");
          if (source != null && compiler != null) {
            check(expr, () -> compiler.compilePredicate(source));
            out.add(new TransformSpec.Filter(source));
          }
        } else if (map.containsKey("set")) {
          Map<String, NodeTuple> assignments = yaml.mapping(map.get("set").getValueNode(), "set");
          Map<String, String> set = new LinkedHashMap<>();
          for (Map.Entry<String, NodeTuple> a : assignments == null ? Map.<String, NodeTuple>of().entrySet() : assignments.entrySet()) {
            Column target = columns.stream().filter(c -> c.name().equals(a.getKey())).findFirst().orElse(null);
            if (target == null && !columns.isEmpty()) {
              yaml.error(a.getValue().getKeyNode(), unknownColumn("set", a.getKey(), columns));
              continue;
            }
            Node expr = a.getValue().getValueNode();
            String source = yaml.string(expr, "set." + a.getKey());
            if (source != null && compiler != null && target != null) {
              check(expr, () -> compiler.compileValue(source, target.type()));
              set.put(a.getKey(), source);
            }
          }
          // In order: later assignments see earlier ones, so the order written is the order applied.
          out.add(new TransformSpec.Set(Collections.unmodifiableMap(set)));
        }
      }
      return List.copyOf(out);
    }

    ValidateSpec validate(ExpressionCompiler compiler, List<Column> columns) {
      Node n = optional("validate");
      if (n == null) {
        return ValidateSpec.NONE;
      }
      Map<String, NodeTuple> map = yaml.mapping(n, "validate");
      if (map == null) {
        return ValidateSpec.NONE;
      }
      yaml.onlyKeys(map, "validate", Set.of("not_null", "unique", "check", "max_rejected"));
      List<String> notNull = new ArrayList<>();
      if (map.containsKey("not_null")) {
        List<Node> items = yaml.sequence(map.get("not_null").getValueNode(), "validate.not_null");
        for (Node item : items == null ? List.<Node>of() : items) {
          String c = yaml.string(item, "a column name");
          if (c != null && isUnknown(c, columns)) {
            yaml.error(item, unknownColumn("validate.not_null", c, columns));
          } else if (c != null) {
            notNull.add(c);
          }
        }
      }
      boolean unique = false;
      if (map.containsKey("unique")) {
        Boolean u = yaml.bool(map.get("unique").getValueNode(), "validate.unique");
        unique = u != null && u;
      }
      List<ValidateSpec.Check> checks = new ArrayList<>();
      if (map.containsKey("check")) {
        Map<String, NodeTuple> named = yaml.mapping(map.get("check").getValueNode(), "validate.check (name: expression)");
        for (Map.Entry<String, NodeTuple> c : named == null ? Map.<String, NodeTuple>of().entrySet() : named.entrySet()) {
          Node expr = c.getValue().getValueNode();
          String source = yaml.string(expr, "check " + c.getKey());
          if (source != null && compiler != null) {
            check(expr, () -> compiler.compilePredicate(source));
            checks.add(new ValidateSpec.Check(c.getKey(), source));
          }
        }
      }
      ValidateSpec.MaxRejected max = ValidateSpec.MaxRejected.NONE;
      if (map.containsKey("max_rejected")) {
        Node m = map.get("max_rejected").getValueNode();
        String s = YamlTree.scalarText(m).trim();
        Matcher pm = PERCENT.matcher(s);
        if (pm.matches() && Double.parseDouble(pm.group(1)) <= 100) {
          max = new ValidateSpec.MaxRejected(0, Double.parseDouble(pm.group(1)));
        } else if (s.matches("\\d{1,18}")) {
          max = new ValidateSpec.MaxRejected(Long.parseLong(s), -1);
        } else {
          yaml.error(m, "validate.max_rejected must be a count (10) or a percentage (\"1%\"), not '" + s + "'");
        }
      }
      return new ValidateSpec(List.copyOf(notNull), unique, List.copyOf(checks), max);
    }

    RetrySpec retry() {
      Node n = optional("retry");
      if (n == null) {
        return RetrySpec.DEFAULT;
      }
      Map<String, NodeTuple> map = yaml.mapping(n, "retry");
      if (map == null) {
        return RetrySpec.DEFAULT;
      }
      yaml.onlyKeys(map, "retry", Set.of("attempts", "backoff", "max_backoff"));
      RetrySpec d = RetrySpec.DEFAULT;
      Long attempts = map.containsKey("attempts") ? yaml.integer(map.get("attempts").getValueNode(), "retry.attempts", 1, 100) : Long.valueOf(d.attempts());
      Duration backoff = map.containsKey("backoff") ? duration(yaml, map.get("backoff").getValueNode(), "retry.backoff") : d.backoff();
      Duration max = map.containsKey("max_backoff") ? duration(yaml, map.get("max_backoff").getValueNode(), "retry.max_backoff") : d.maxBackoff();
      if (attempts == null || backoff == null || max == null) {
        return d;
      }
      if (max.compareTo(backoff) < 0) {
        yaml.error(n, "retry.max_backoff (" + max + ") is shorter than retry.backoff (" + backoff + ")");
      }
      return new RetrySpec(attempts.intValue(), backoff, max);
    }

    private void check(Node expr, Runnable compile) {
      try {
        compile.run();
      } catch (ExpressionException e) {
        yaml.error(expr, e.column(), e.getMessage());
      }
    }
  }

  /**
   * Whether {@code name} is not a declared column. With no columns (missing or all refused, already
   * reported) nothing is called unknown, so one mistake does not cascade into many.
   */
  static boolean isUnknown(String name, List<Column> columns) {
    return !columns.isEmpty() && columns.stream().noneMatch(c -> c.name().equals(name));
  }

  static String unknownColumn(String where, String name, List<Column> columns) {
    List<String> names = columns.stream().map(Column::name).toList();
    String hint = Suggest.closest(name, names);
    return where + ": unknown column '" + name + "'" + (hint != null ? "; did you mean '" + hint + "'?" : "; columns are " + String.join(", ", names));
  }

  static boolean isScalar(Node n) {
    return n instanceof ScalarNode;
  }
}
