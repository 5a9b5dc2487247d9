package dev.keel.spec;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Safe YAML reading that keeps line and column of every node. The file is only composed into a
 * node tree, never constructed into Java objects, so no type tag can instantiate a class; custom
 * tags, anchors beyond a small cap ("billion laughs") and duplicate keys are refused.
 */
final class YamlTree {
  static final int MAX_ALIASES = 20;
  static final int MAX_CODE_POINTS = 1024 * 1024;
  private static final Set<Tag> STANDARD_TAGS =
      Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL, Tag.MAP, Tag.SEQ, Tag.TIMESTAMP);

  private final String file;
  private final List<SpecProblem> problems = new ArrayList<>();

  YamlTree(String file) {
    this.file = file;
  }

  List<SpecProblem> problems() {
    return problems;
  }

  Node compose(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setAllowDuplicateKeys(false);
    options.setCodePointLimit(MAX_CODE_POINTS);
    options.setNestingDepthLimit(20);
    options.setTagInspector(tag -> false);
    try {
      Node root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
      if (root == null) {
        problems.add(new SpecProblem(file, 1, 1, "the file is empty; a pipeline needs at least name, source, columns and sink"));
        return null;
      }
      checkTags(root, 0);
      return root;
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      problems.add(new SpecProblem(file, mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1,
          "YAML syntax error: " + what));
      return null;
    } catch (YAMLException e) {
      problems.add(new SpecProblem(file, 1, 1, "YAML refused: " + e.getMessage()));
      return null;
    }
  }

  private void checkTags(Node node, int depth) {
    if (!STANDARD_TAGS.contains(node.getTag())) {
      error(node, "type tag " + node.getTag() + " is not allowed; pipeline files are plain YAML");
    }
    if (node instanceof MappingNode map) {
      for (NodeTuple t : map.getValue()) {
        checkTags(t.getKeyNode(), depth + 1);
        checkTags(t.getValueNode(), depth + 1);
      }
    } else if (node instanceof SequenceNode seq) {
      seq.getValue().forEach(n -> checkTags(n, depth + 1));
    }
  }

  void error(Node node, String message) {
    Mark m = node.getStartMark();
    problems.add(new SpecProblem(file, m.getLine() + 1, m.getColumn() + 1, message));
  }

  void error(Node node, int offsetInScalar, String message) {
    Mark m = node.getStartMark();
    int quote = node instanceof ScalarNode s && s.getScalarStyle().getChar() != null ? 1 : 0;
    problems.add(new SpecProblem(file, m.getLine() + 1, m.getColumn() + 1 + quote + Math.max(0, offsetInScalar - 1), message));
  }

  /** A mapping's entries by key, reporting keys that are not strings; null when the node is not a map. */
  Map<String, NodeTuple> mapping(Node node, String what) {
    if (!(node instanceof MappingNode map)) {
      error(node, what + " must be a mapping (key: value)");
      return null;
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : map.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k) {
        if (out.put(k.getValue(), t) != null) {
          error(k, "duplicate key '" + k.getValue() + "'");
        }
      } else {
        error(t.getKeyNode(), "keys must be plain words");
      }
    }
    return out;
  }

  /** Reports every key not in {@code allowed}, with a suggestion when one is close. */
  void onlyKeys(Map<String, NodeTuple> map, String where, Set<String> allowed) {
    for (Map.Entry<String, NodeTuple> e : map.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        String hint = Suggest.closest(e.getKey(), allowed);
        error(e.getValue().getKeyNode(), "unknown key '" + e.getKey() + "' in " + where
            + (hint != null ? "; did you mean '" + hint + "'?" : "; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed))));
      }
    }
  }

  String string(Node node, String what) {
    if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
      return s.getValue();
    }
    error(node, what + " must be a text value");
    return null;
  }

  Boolean bool(Node node, String what) {
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
      return Set.of("true", "yes", "on", "y").contains(s.getValue().toLowerCase(java.util.Locale.ROOT));
    }
    error(node, what + " must be true or false, not '" + scalarText(node) + "'");
    return null;
  }

  Long integer(Node node, String what, long min, long max) {
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
      try {
        long v = Long.parseLong(s.getValue().replace("_", ""));
        if (v >= min && v <= max) {
          return v;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      error(node, what + " must be between " + min + " and " + max + ", not " + s.getValue());
      return null;
    }
    error(node, what + " must be a whole number, not '" + scalarText(node) + "'");
    return null;
  }

  List<Node> sequence(Node node, String what) {
    if (node instanceof SequenceNode seq) {
      return seq.getValue();
    }
    error(node, what + " must be a list ([a, b] or one '- item' per line)");
    return null;
  }

  static String scalarText(Node node) {
    return node instanceof ScalarNode s ? s.getValue() : node instanceof MappingNode ? "{...}" : "[...]";
  }
}
