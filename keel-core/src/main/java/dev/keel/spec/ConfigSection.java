package dev.keel.spec;

import java.nio.charset.Charset;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One mapping of a keel YAML file (a pipeline's {@code source.csv}, the alert file's {@code
 * alerts.checks}), read key by key. Every problem is recorded with its line and column and the
 * reading goes on, so that one pass reports them all; an accessor that found a problem returns its
 * fallback. The file's reader throws a {@link SpecException} with every problem at the end.
 */
public final class ConfigSection {
  /** user:password@ in a URL, or a password= parameter, written as text rather than a reference. */
  private static final Pattern LITERAL_CREDENTIALS =
      Pattern.compile("//[^/@:\\s]+:[^/@\\s]+@|(?i)password=(?![&;]|$)");

  private final YamlTree yaml;
  private final Node node;
  private final String where;
  private final Map<String, NodeTuple> map;
  private final boolean mapping;
  private final SecretResolver secrets;

  ConfigSection(YamlTree yaml, Node node, String where, SecretResolver secrets) {
    this.yaml = yaml;
    this.node = node;
    this.where = where;
    this.secrets = secrets;
    Map<String, NodeTuple> m = yaml.mapping(node, where);
    this.map = m == null ? Map.of() : m;
    this.mapping = m != null;
  }

  /**
   * The dotted path of this section in its file, e.g. {@code source.csv} (empty for the file
   * itself): how messages name it.
   */
  public String where() {
    return where;
  }

  /** False when the value is not a mapping (already reported): its keys read as absent. */
  public boolean isMapping() {
    return mapping;
  }

  public boolean has(String key) {
    return map.containsKey(key);
  }

  /** The keys as written, in file order. */
  public Set<String> keys() {
    return map.keySet();
  }

  /** Reports every key not in {@code allowed}, with "did you mean" when one is close. */
  public void onlyKeys(Set<String> allowed) {
    yaml.onlyKeys(map, where.isEmpty() ? "the file" : where, allowed);
  }

  /** The text at {@code key}, or null when absent (or not text: reported). */
  public String string(String key) {
    return has(key) ? yaml.string(value(key), path(key)) : null;
  }

  /** The text at {@code key}; reports it missing (at this section) and returns null when absent. */
  public String requiredString(String key) {
    if (!has(key)) {
      error(where + " needs '" + key + "'");
      return null;
    }
    return string(key);
  }

  public boolean bool(String key, boolean fallback) {
    Boolean b = has(key) ? yaml.bool(value(key), path(key)) : null;
    return b == null ? fallback : b;
  }

  public long integer(String key, long fallback, long min, long max) {
    Long v = has(key) ? yaml.integer(value(key), path(key), min, max) : null;
    return v == null ? fallback : v;
  }

  /** A duration written as {@link Durations} reads it. */
  public Duration duration(String key, Duration fallback) {
    Duration d = has(key) ? SpecReader.duration(yaml, value(key), path(key)) : null;
    return d == null ? fallback : d;
  }

  /**
   * One name or a list of names ({@code on: task_failed} or {@code on: [a, b]}); reports an empty
   * one.
   */
  public List<String> names(String key) {
    List<String> out = new ArrayList<>();
    Node v = has(key) ? value(key) : null;
    if (v instanceof ScalarNode) {
      String s = yaml.string(v, path(key));
      if (s != null) {
        out.add(s);
      }
    } else if (v instanceof SequenceNode seq) {
      for (Node item : seq.getValue()) {
        String s = yaml.string(item, "an item of " + path(key));
        if (s != null) {
          out.add(s);
        }
      }
    } else if (v != null) {
      error(key, path(key) + " must be a name or a list of names");
      return out;
    }
    if (out.isEmpty()) {
      error(key, path(key) + " needs at least one name");
    }
    return out;
  }

  /**
   * The value of {@code key} resolved for its secret references ({@code ${env:X}}, {@code
   * ${file:/p}}).
   */
  public Secret secret(String key) {
    String s = string(key);
    if (s == null) {
      return null;
    }
    try {
      return secrets.resolve(s);
    } catch (IllegalArgumentException e) {
      error(key, path(key) + ": " + e.getMessage());
      return null;
    }
  }

  /** One character ({@code \t} for a tab); a line break is refused. */
  public char character(String key, char fallback) {
    String s = string(key);
    if (s == null) {
      return fallback;
    }
    if (s.equals("\\t")) {
      return '\t';
    }
    if (s.length() != 1 || s.charAt(0) == '\n' || s.charAt(0) == '\r') {
      error(key, path(key) + " must be one character");
      return fallback;
    }
    return s.charAt(0);
  }

  public Charset charset(String key, Charset fallback) {
    String s = string(key);
    if (s == null) {
      return fallback;
    }
    try {
      return Charset.forName(s);
    } catch (RuntimeException e) {
      error(
          key,
          path(key)
              + ": unknown character set '"
              + s
              + "' (for example UTF-8, windows-1252, ISO-8859-1)");
      return fallback;
    }
  }

  public ZoneId zone(String key, ZoneId fallback) {
    String s = string(key);
    if (s == null) {
      return fallback;
    }
    try {
      return ZoneId.of(s);
    } catch (RuntimeException e) {
      error(key, path(key) + ": unknown time zone '" + s + "' (for example UTC or Europe/Paris)");
      return fallback;
    }
  }

  /**
   * A PostgreSQL identifier (checked as {@link Identifiers} does), or {@code fallback} when absent.
   */
  public String identifier(String key, String fallback) {
    if (!has(key)) {
      return fallback;
    }
    String s = string(key);
    String problem = s == null ? null : Identifiers.problem(s);
    if (problem != null) {
      error(key, path(key) + ": " + problem);
    }
    return s;
  }

  /**
   * The name of a declared column, reported with "did you mean" when it is not one; null when
   * absent.
   */
  public String column(String key, List<Column> columns) {
    String name = string(key);
    if (name != null && SpecReader.isUnknown(name, columns)) {
      error(key, SpecReader.unknownColumn(path(key), name, columns));
      return null;
    }
    return name;
  }

  /**
   * A list of declared columns ({@code key: [id, region]}); each unknown one reported where it is
   * written.
   */
  public List<String> columnList(String key, List<Column> columns) {
    List<String> out = new ArrayList<>();
    List<Node> items = has(key) ? yaml.sequence(value(key), path(key)) : null;
    for (Node item : items == null ? List.<Node>of() : items) {
      String name = yaml.string(item, "a column name");
      if (name != null && SpecReader.isUnknown(name, columns)) {
        yaml.error(item, SpecReader.unknownColumn(path(key), name, columns));
      } else if (name != null) {
        out.add(name);
      }
    }
    return List.copyOf(out);
  }

  /**
   * A connection setting that may hold credentials ({@code url}, {@code user}, {@code password}),
   * resolved for its references. A password must be a reference, and a URL must not carry a
   * password as text; both are refused with what to write instead.
   */
  public Secret credential(String key, boolean required) {
    if (!has(key)) {
      if (required) {
        error(where + " needs '" + key + "'");
      }
      return null;
    }
    String s = string(key);
    if (s == null) {
      return null;
    }
    String written = SecretResolver.withoutReferences(s);
    if (key.equals("password") && !written.isEmpty()) {
      error(
          key,
          path(key)
              + " must be a reference, never the password itself: write ${env:NAME} or"
              + " ${file:/run/secrets/name}");
      return null;
    }
    if (LITERAL_CREDENTIALS.matcher(written).find()) {
      error(
          key,
          path(key)
              + " has a password written in it; move it to password: ${env:NAME}, or"
              + " reference the whole value as ${env:NAME}");
      return null;
    }
    return secret(key);
  }

  /**
   * The mapping at {@code key}; null when absent (a mapping expected and something else found:
   * reported).
   */
  public ConfigSection section(String key) {
    return has(key) ? new ConfigSection(yaml, value(key), path(key), secrets) : null;
  }

  /**
   * The named mappings under {@code key} ({@code receivers: { oncall: {...}, chat: {...} }}), in
   * file order.
   */
  public Map<String, ConfigSection> sections(String key) {
    Map<String, ConfigSection> out = new LinkedHashMap<>();
    ConfigSection parent = section(key);
    if (parent != null) {
      for (String name : parent.keys()) {
        out.put(name, parent.section(name));
      }
    }
    return out;
  }

  /**
   * The list of mappings at {@code key} ({@code rules: [ {...}, {...} ]}), each named {@code
   * key[i]}.
   */
  public List<ConfigSection> list(String key) {
    List<ConfigSection> out = new ArrayList<>();
    List<Node> items = has(key) ? yaml.sequence(value(key), path(key)) : null;
    for (int i = 0; items != null && i < items.size(); i++) {
      out.add(new ConfigSection(yaml, items.get(i), path(key) + "[" + i + "]", secrets));
    }
    return out;
  }

  /** A problem with the value of {@code key} (at this section when the key is absent). */
  public void error(String key, String message) {
    yaml.error(has(key) ? value(key) : node, message);
  }

  /** A problem with {@code key} itself rather than its value (a key that does not apply here). */
  public void errorAtKey(String key, String message) {
    yaml.error(has(key) ? map.get(key).getKeyNode() : node, message);
  }

  /** A problem with this section as a whole. */
  public void error(String message) {
    yaml.error(node, message);
  }

  private Node value(String key) {
    return map.get(key).getValueNode();
  }

  private String path(String key) {
    return where.isEmpty() ? key : where + "." + key;
  }
}
