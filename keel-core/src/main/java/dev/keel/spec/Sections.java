package dev.keel.spec;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import dev.keel.connector.SinkCapabilities;
import dev.keel.expr.ExpressionCompiler;
import dev.keel.expr.ExpressionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * The sections of a pipeline file that are not connections; each method reports its own problems.
 */
final class Sections {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");
  private static final Map<String, String> EXAMPLES =
      Map.of(
          "name", "name: orders_daily",
          "source", "source: { csv: { path: data/orders.csv } }",
          "columns", "columns: { id: bigint, customer: text }",
          "sink", "sink: { postgres: { table: orders, key: [id] } }");
  private final YamlTree yaml;
  private final Map<String, NodeTuple> top;
  private final Node root;

  Sections(YamlTree yaml, Map<String, NodeTuple> top, Node root) {
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
      yaml.error(
          n,
          "name '" + name + "' must match [a-z][a-z0-9_]*" + (why != null ? " (" + why + ")" : ""));
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
    if (cron != null && !cron.equals(PipelineSpec.CONTINUOUS)) {
      try {
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX))
            .parse(cron)
            .validate();
      } catch (IllegalArgumentException e) {
        yaml.error(
            n,
            "schedule '"
                + cron
                + "' is not a valid cron expression (minute hour day month weekday, UTC) nor"
                + " 'continuous': "
                + e.getMessage());
      }
    }
    return cron;
  }

  /**
   * {@code regions: [a, b]}: at least one, each a region name, none twice (the order is the
   * preference, so a repeat is a mistake). Empty when absent: any region.
   */
  List<String> regions() {
    Node n = optional("regions");
    if (n == null) {
      return List.of();
    }
    List<Node> items = yaml.sequence(n, "regions");
    if (items == null) {
      return List.of();
    }
    if (items.isEmpty()) {
      yaml.error(
          n,
          "regions must name at least one region, in order of preference (regions: [eu, us]);"
              + " leave the key out to run in any region");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Node item : items) {
      String region = yaml.string(item, "a region in regions");
      if (region == null) {
        continue;
      }
      if (Regions.problem(region) != null) {
        yaml.error(item, "regions: " + Regions.problem(region));
      } else if (out.contains(region)) {
        yaml.error(
            item,
            "regions: region '"
                + region
                + "' is listed twice; list each region once, in order of preference");
      } else {
        out.add(region);
      }
    }
    return out;
  }

  Partitions partitions() {
    return new PartitionsReader(yaml).read(optional("partitions"));
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
    List<Column> columns = new ArrayList<>();
    for (Map.Entry<String, NodeTuple> e : map.entrySet()) {
      String problem = Identifiers.columnProblem(e.getKey());
      if (problem != null) {
        yaml.error(e.getValue().getKeyNode(), "column " + problem);
        continue;
      }
      if (e.getKey().startsWith("_keel")) {
        yaml.error(
            e.getValue().getKeyNode(), "column names starting with _keel are reserved for keel");
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

  /** Reports more columns than the sink can take, at the columns section. */
  void columnLimit(SinkCapabilities sink) {
    Node n = optional("columns");
    int count = n instanceof org.yaml.snakeyaml.nodes.MappingNode m ? m.getValue().size() : 0;
    if (count > sink.maxColumns()) {
      yaml.error(
          n,
          count
              + " columns is too many: at most "
              + sink.maxColumns()
              + " ("
              + sink.maxColumnsWhy()
              + "); split the pipeline or the table");
    }
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
        for (Map.Entry<String, NodeTuple> a :
            assignments == null ? Map.<String, NodeTuple>of().entrySet() : assignments.entrySet()) {
          Column target =
              columns.stream().filter(c -> c.name().equals(a.getKey())).findFirst().orElse(null);
          if (target == null && !columns.isEmpty()) {
            yaml.error(
                a.getValue().getKeyNode(), SpecReader.unknownColumn("set", a.getKey(), columns));
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
        if (c != null && SpecReader.isUnknown(c, columns)) {
          yaml.error(item, SpecReader.unknownColumn("validate.not_null", c, columns));
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
      Map<String, NodeTuple> named =
          yaml.mapping(map.get("check").getValueNode(), "validate.check (name: expression)");
      for (Map.Entry<String, NodeTuple> c :
          named == null ? Map.<String, NodeTuple>of().entrySet() : named.entrySet()) {
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
        yaml.error(
            m,
            "validate.max_rejected must be a count (10) or a percentage (\"1%\"), not '" + s + "'");
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
    yaml.onlyKeys(map, "retry", Set.of("attempts", "backoff", "max_backoff", "jitter"));
    RetrySpec d = RetrySpec.DEFAULT;
    Long attempts =
        map.containsKey("attempts")
            ? yaml.integer(map.get("attempts").getValueNode(), "retry.attempts", 1, 100)
            : Long.valueOf(d.attempts());
    Duration backoff =
        map.containsKey("backoff")
            ? SpecReader.duration(yaml, map.get("backoff").getValueNode(), "retry.backoff")
            : d.backoff();
    Duration max =
        map.containsKey("max_backoff")
            ? SpecReader.duration(yaml, map.get("max_backoff").getValueNode(), "retry.max_backoff")
            : d.maxBackoff();
    if (attempts == null || backoff == null || max == null) {
      return d;
    }
    if (max.compareTo(backoff) < 0) {
      yaml.error(
          n, "retry.max_backoff (" + max + ") is shorter than retry.backoff (" + backoff + ")");
    }
    RetrySpec.Jitter jitter = d.jitter();
    if (map.containsKey("jitter")) {
      Node j = map.get("jitter").getValueNode();
      String text = yaml.string(j, "retry.jitter");
      if ("full".equals(text) || "none".equals(text)) {
        jitter = RetrySpec.Jitter.valueOf(text.toUpperCase(java.util.Locale.ROOT));
      } else if (text != null) {
        yaml.error(j, "retry.jitter must be full or none, not '" + text + "'");
      }
    }
    return new RetrySpec(attempts.intValue(), backoff, max, jitter);
  }

  /** {@code attempt_timeout:}: how long one attempt may run; at least a second. */
  Duration attemptTimeout() {
    Node n = optional("attempt_timeout");
    if (n == null) {
      return PipelineSpec.DEFAULT_ATTEMPT_TIMEOUT;
    }
    Duration d = SpecReader.duration(yaml, n, "attempt_timeout");
    if (d != null && d.compareTo(Duration.ofSeconds(1)) < 0) {
      yaml.error(n, "attempt_timeout must be at least 1s");
    }
    return d == null ? PipelineSpec.DEFAULT_ATTEMPT_TIMEOUT : d;
  }

  private void check(Node expr, Runnable compile) {
    try {
      compile.run();
    } catch (ExpressionException e) {
      yaml.error(expr, e.column(), e.getMessage());
    }
  }
}
