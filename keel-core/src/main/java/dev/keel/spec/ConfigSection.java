package dev.keel.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  private final YamlTree yaml;
  private final Node node;
  private final String where;
  private final Map<String, NodeTuple> map;
  private final SecretResolver secrets;

  ConfigSection(YamlTree yaml, Node node, String where, SecretResolver secrets) {
    this.yaml = yaml;
    this.node = node;
    this.where = where;
    this.secrets = secrets;
    Map<String, NodeTuple> m = yaml.mapping(node, where);
    this.map = m == null ? Map.of() : m;
  }

  /** The dotted path of this section in its file, e.g. {@code source.csv} (empty for the file itself): how messages name it. */
  public String where() {
    return where;
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

  /** One name or a list of names ({@code on: task_failed} or {@code on: [a, b]}); reports an empty one. */
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

  /** The value of {@code key} resolved for its secret references ({@code ${env:X}}, {@code ${file:/p}}). */
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

  /** The mapping at {@code key}; null when absent (a mapping expected and something else found: reported). */
  public ConfigSection section(String key) {
    return has(key) ? new ConfigSection(yaml, value(key), path(key), secrets) : null;
  }

  /** The named mappings under {@code key} ({@code receivers: { oncall: {...}, chat: {...} }}), in file order. */
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

  /** The list of mappings at {@code key} ({@code rules: [ {...}, {...} ]}), each named {@code key[i]}. */
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
