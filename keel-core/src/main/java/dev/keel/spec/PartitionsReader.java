package dev.keel.spec;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads {@code partitions:}: a list of values, a date range expanded day by day, or time windows
 * ({@code daily: {...}}), alone or crossed with values.
 */
final class PartitionsReader {
  private static final Set<String> KEYS =
      Set.of("values", "dates", "hourly", "daily", "weekly", "monthly");
  private final YamlTree yaml;

  PartitionsReader(YamlTree yaml) {
    this.yaml = yaml;
  }

  /** The partitions section, or the single partition "all" when absent or wrong (reported). */
  Partitions read(Node n) {
    if (n == null) {
      return Partitions.SINGLE;
    }
    Map<String, NodeTuple> map = yaml.mapping(n, "partitions");
    if (map == null) {
      return Partitions.SINGLE;
    }
    List<String> units = new ArrayList<>();
    for (TimeWindows.Unit u : TimeWindows.Unit.values()) {
      if (map.containsKey(u.key())) {
        units.add(u.key());
      }
    }
    for (Map.Entry<String, NodeTuple> e : map.entrySet()) {
      if (!KEYS.contains(e.getKey())) {
        String hint = Suggest.closest(e.getKey(), KEYS);
        yaml.error(
            e.getValue().getKeyNode(),
            "unknown key '"
                + e.getKey()
                + "' in partitions"
                + (hint != null ? " (did you mean '" + hint + "'?)" : "")
                + "; a time window is hourly, daily, weekly or monthly, and the other"
                + " keys are values and dates");
      }
    }
    if (units.size() > 1) {
      yaml.error(
          n, "partitions has several window units (" + String.join(", ", units) + "); keep one");
      return Partitions.SINGLE;
    }
    if (units.size() == 1) {
      return windows(
          n, map, TimeWindows.Unit.valueOf(units.get(0).toUpperCase(java.util.Locale.ROOT)));
    }
    if (map.containsKey("values") == map.containsKey("dates")) {
      yaml.error(
          n,
          "partitions needs exactly one of 'values: [a, b]' or 'dates: { from: 2026-01-01, to: 2026-01-31 }'");
      return Partitions.SINGLE;
    }
    if (map.containsKey("values")) {
      List<String> values = values(n, map);
      return values.isEmpty() ? Partitions.SINGLE : new Partitions(List.copyOf(values), null, null);
    }
    return dates(n, map);
  }

  private List<String> values(Node n, Map<String, NodeTuple> map) {
    List<String> values = new ArrayList<>();
    List<Node> items = yaml.sequence(map.get("values").getValueNode(), "partitions.values");
    for (Node item : items == null ? List.<Node>of() : items) {
      String v = yaml.string(item, "a partition value");
      if (v != null && (!v.matches("[A-Za-z0-9_.-]{1,100}") || v.equals(".") || v.equals(".."))) {
        yaml.error(
            item,
            "partition value '"
                + v
                + "' may use only letters, digits, '_', '.', '-' (it is used in paths), and may not be '.' or '..'");
      } else if (v != null && values.contains(v)) {
        yaml.error(item, "partition value '" + v + "' is listed twice");
      } else if (v != null) {
        values.add(v);
      }
    }
    if (items != null && items.isEmpty()) {
      yaml.error(n, "partitions.values must not be empty");
    }
    return List.copyOf(values);
  }

  private Partitions dates(Node n, Map<String, NodeTuple> map) {
    Map<String, NodeTuple> dates =
        yaml.mapping(map.get("dates").getValueNode(), "partitions.dates");
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
      yaml.error(
          dates.get("to").getValueNode(),
          "partitions.dates: 'to' (" + to + ") is before 'from' (" + from + ")");
      return Partitions.SINGLE;
    }
    if (from.plusDays(Partitions.MAX_DATES).isBefore(to)) {
      yaml.error(n, "partitions.dates spans more than " + Partitions.MAX_DATES + " days");
      return Partitions.SINGLE;
    }
    return new Partitions(List.of(), from, to);
  }

  private Partitions windows(Node n, Map<String, NodeTuple> map, TimeWindows.Unit unit) {
    if (map.containsKey("dates")) {
      yaml.error(
          map.get("dates").getKeyNode(),
          "partitions: dates cannot be combined with " + unit.key() + " windows; keep one of them");
      return Partitions.SINGLE;
    }
    List<String> values = List.of();
    if (map.containsKey("values")) {
      values = values(n, map);
      if (values.isEmpty()) {
        return Partitions.SINGLE;
      }
    }
    TimeWindows w = new TimeWindowsReader(yaml).read(unit, map.get(unit.key()).getValueNode());
    return w == null ? Partitions.SINGLE : new Partitions(values, null, null, w);
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
      yaml.error(
          t.getValueNode(),
          "partitions.dates." + key + " must be a date yyyy-mm-dd, not '" + s + "'");
      return null;
    }
  }
}
