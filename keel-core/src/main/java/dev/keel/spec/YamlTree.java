package dev.keel.spec;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
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
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Safe YAML reading that keeps line and column of every node. The file is only composed into a node
 * tree, never constructed into Java objects, so no type tag can instantiate a class; custom tags,
 * anchors beyond a small cap ("billion laughs") and duplicate keys are refused.
 */
final class YamlTree {
  static final int MAX_ALIASES = 20;
  static final int MAX_CODE_POINTS = 1024 * 1024;
  private static final Set<Tag> STANDARD_TAGS =
      Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL, Tag.MAP, Tag.SEQ, Tag.TIMESTAMP);

  private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";

  private final String file;
  private final List<SpecProblem> problems = new ArrayList<>();
  private String text = "";

  YamlTree(String file) {
    this.file = file;
  }

  /** Every problem so far, in file order (line, then column), whatever order they were found in. */
  List<SpecProblem> problems() {
    List<SpecProblem> sorted = new ArrayList<>(problems);
    sorted.sort(Comparator.comparingInt(SpecProblem::line).thenComparingInt(SpecProblem::column));
    return sorted;
  }

  Node compose(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setAllowDuplicateKeys(false);
    options.setCodePointLimit(MAX_CODE_POINTS);
    options.setNestingDepthLimit(20);
    // Global tags (!!java.io.File) are let through the composer so that checkTags can report every
    // one of them with its position; nothing is ever constructed from the node tree, so no class
    // can be instantiated whatever the tag says.
    options.setTagInspector(tag -> true);
    this.text = text;
    try {
      Node root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
      if (root == null) {
        problems.add(
            new SpecProblem(
                file,
                1,
                1,
                "the file is empty; a pipeline needs at least name, source, columns and sink"));
        return null;
      }
      checkTags(root, Collections.newSetFromMap(new IdentityHashMap<>()));
      // A tagged value means nothing to keel; reading on would only add noise at the same places.
      return problems.isEmpty() ? root : null;
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      problems.add(
          new SpecProblem(
              file,
              mark == null ? 1 : mark.getLine() + 1,
              mark == null ? 1 : mark.getColumn() + 1,
              "YAML syntax error: " + what));
      return null;
    } catch (ReaderException e) {
      int at =
          text.offsetByCodePoints(
              0, Math.min(e.getPosition(), text.codePointCount(0, text.length())));
      int line = 1 + (int) text.substring(0, at).chars().filter(c -> c == '\n').count();
      int column = 1 + text.codePointCount(text.lastIndexOf('\n', at - 1) + 1, at);
      problems.add(
          new SpecProblem(
              file,
              line,
              column,
              String.format(
                  "the file contains character U+%04X, which YAML does not allow; remove it",
                  e.getCodePoint())));
      return null;
    } catch (YAMLException e) {
      problems.add(new SpecProblem(file, 1, 1, refusal(e.getMessage())));
      return null;
    }
  }

  private static String refusal(String why) {
    if (why != null && why.contains("aliases")) {
      return "YAML refused: more than "
          + MAX_ALIASES
          + " aliases (*name) to lists or mappings; write the values out"
          + " (this cap stops 'billion laughs' files)";
    }
    return "YAML refused: " + why;
  }

  /** Reports every non-standard tag. {@code seen} stops at shared and recursive (&a [*a]) nodes. */
  private void checkTags(Node node, Set<Node> seen) {
    if (!seen.add(node)) {
      return;
    }
    if (node.getTag().equals(Tag.MERGE)) {
      error(node, "merge keys (<<) are not supported; write the keys out");
    } else if (!STANDARD_TAGS.contains(node.getTag())) {
      error(
          node,
          "type tag "
              + shortTag(node.getTag())
              + " is not allowed; pipeline files are plain YAML"
              + " (remove the tag)");
    }
    if (node instanceof MappingNode map) {
      for (NodeTuple t : map.getValue()) {
        checkTags(t.getKeyNode(), seen);
        checkTags(t.getValueNode(), seen);
      }
    } else if (node instanceof SequenceNode seq) {
      seq.getValue().forEach(n -> checkTags(n, seen));
    }
  }

  private static String shortTag(Tag tag) {
    String t = tag.getValue();
    return t.startsWith(YAML_TAG_PREFIX) ? "!!" + t.substring(YAML_TAG_PREFIX.length()) : t;
  }

  void error(Node node, String message) {
    Mark m = node.getStartMark();
    problems.add(new SpecProblem(file, m.getLine() + 1, m.getColumn() + 1, message));
  }

  /**
   * A problem at the 1-based {@code offsetInScalar} of a scalar's value (0 when unknown), such as
   * the column an expression error names. On a one-line scalar the column is that of the character
   * in the file, skipping the opening quote and counting escapes ({@code \"}, {@code ''}) as
   * written; for scalars over several lines, the start of the value.
   */
  void error(Node node, int offsetInScalar, String message) {
    Mark m = node.getStartMark();
    int column = m.getColumn() + 1;
    if (node instanceof ScalarNode s && s.getEndMark().getLine() == m.getLine()) {
      column +=
          ScalarColumns.rawOffset(
              s.getScalarStyle(), source(m, s.getEndMark()), Math.max(0, offsetInScalar - 1));
    }
    problems.add(new SpecProblem(file, m.getLine() + 1, column, message));
  }

  /** The scalar as written in the file, quotes included. */
  private String source(Mark start, Mark end) {
    try {
      int from = text.offsetByCodePoints(0, start.getIndex());
      int to = text.offsetByCodePoints(from, end.getIndex() - start.getIndex());
      return text.substring(from, to);
    } catch (IndexOutOfBoundsException e) {
      return "";
    }
  }

  /**
   * A mapping's entries by key, reporting keys that are not strings; null when the node is not a
   * map.
   */
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
        error(
            e.getValue().getKeyNode(),
            "unknown key '"
                + e.getKey()
                + "' in "
                + where
                + (hint != null
                    ? "; did you mean '" + hint + "'?"
                    : "; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed))));
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
      return Set.of("true", "yes", "on", "y")
          .contains(s.getValue().toLowerCase(java.util.Locale.ROOT));
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
    return node instanceof ScalarNode s
        ? s.getValue()
        : node instanceof MappingNode ? "{...}" : "[...]";
  }
}
