package dev.keel.spec;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads one {@code partitions.<unit>: { start, end, timezone, lag, sla }} section; reports each
 * problem at its line and column and returns null when the windows are unusable.
 */
final class TimeWindowsReader {
  static final Set<String> KEYS = Set.of("start", "end", "timezone", "lag", "sla");

  private final YamlTree yaml;

  TimeWindowsReader(YamlTree yaml) {
    this.yaml = yaml;
  }

  TimeWindows read(TimeWindows.Unit unit, Node node) {
    String where = "partitions." + unit.key();
    Map<String, NodeTuple> map = yaml.mapping(node, where);
    if (map == null) {
      return null;
    }
    yaml.onlyKeys(map, where, KEYS);
    ZoneId zone = ZoneOffset.UTC;
    if (map.containsKey("timezone")) {
      Node z = map.get("timezone").getValueNode();
      String s = yaml.string(z, where + ".timezone");
      try {
        zone = s == null ? null : ZoneId.of(s);
      } catch (DateTimeException e) {
        yaml.error(
            z,
            where
                + ".timezone '"
                + s
                + "' is not a time zone; write a region such as Europe/Paris, or UTC");
        zone = null;
      }
    }
    if (!map.containsKey("start")) {
      yaml.error(node, where + " needs 'start': the start of the first window, e.g. 2026-01-01");
      return null;
    }
    Node startNode = map.get("start").getValueNode();
    LocalDateTime start = time(unit, startNode, where + ".start");
    LocalDateTime end = null;
    Node endNode = null;
    if (map.containsKey("end")) {
      endNode = map.get("end").getValueNode();
      end = time(unit, endNode, where + ".end");
      if (end == null) {
        return null;
      }
    }
    Duration lag = Duration.ZERO;
    if (map.containsKey("lag")) {
      Node l = map.get("lag").getValueNode();
      lag = SpecReader.duration(yaml, l, where + ".lag");
      if (lag != null && lag.compareTo(unit.shortest) > 0) {
        yaml.error(
            l,
            where
                + ".lag "
                + YamlTree.scalarText(l)
                + " is longer than a window ("
                + unit.key()
                + ": "
                + (unit.shortest.toHours() < 24
                    ? unit.shortest.toHours() + "h"
                    : unit.shortest.toDays() + "d")
                + "): the next window would close before this one counts as closed; use a lag of"
                + " at most one window, or a longer window unit");
        lag = null;
      }
    }
    Duration sla = null;
    if (map.containsKey("sla")) {
      sla = SpecReader.duration(yaml, map.get("sla").getValueNode(), where + ".sla");
      if (sla != null && sla.isZero()) {
        yaml.error(map.get("sla").getValueNode(), where + ".sla must be longer than 0");
        sla = null;
      }
    }
    if (start == null || zone == null || lag == null) {
      return null;
    }
    if (end != null && !start.isBefore(end)) {
      yaml.error(
          endNode,
          where
              + ": 'end' ("
              + YamlTree.scalarText(endNode)
              + ") is not after 'start' ("
              + YamlTree.scalarText(startNode)
              + "); the windows run from start up to (not including) end");
      return null;
    }
    return new TimeWindows(unit, start, end, zone, lag, sla);
  }

  /** A window boundary: a date (an hour too for hourly), aligned on the unit. */
  private LocalDateTime time(TimeWindows.Unit unit, Node node, String what) {
    String s = yaml.string(node, what);
    if (s == null) {
      return null;
    }
    try {
      return switch (unit) {
        case HOURLY ->
            s.contains("T")
                ? LocalDateTime.parse(s.length() == 13 ? s + ":00" : s).withMinute(0).withSecond(0)
                : LocalDate.parse(s).atStartOfDay();
        case DAILY -> LocalDate.parse(s).atStartOfDay();
        case WEEKLY -> {
          LocalDate d = LocalDate.parse(s);
          if (d.getDayOfWeek() != DayOfWeek.MONDAY) {
            yaml.error(
                node,
                what
                    + " "
                    + s
                    + " is a "
                    + d.getDayOfWeek().toString().toLowerCase()
                    + "; weekly windows start on Mondays (the Monday of that week is "
                    + d.with(java.time.temporal.TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                    + ")");
            yield null;
          }
          yield d.atStartOfDay();
        }
        case MONTHLY -> {
          if (s.length() == 7) {
            yield YearMonth.parse(s).atDay(1).atStartOfDay();
          }
          LocalDate d = LocalDate.parse(s);
          if (d.getDayOfMonth() != 1) {
            yaml.error(
                node,
                what + " " + s + ": monthly windows start on the 1st; write " + s.substring(0, 7));
            yield null;
          }
          yield d.atStartOfDay();
        }
      };
    } catch (DateTimeParseException e) {
      yaml.error(
          node,
          what
              + " must be a date yyyy-mm-dd"
              + (unit == TimeWindows.Unit.HOURLY ? " or an hour yyyy-mm-ddThh" : "")
              + (unit == TimeWindows.Unit.MONTHLY ? " or a month yyyy-mm" : "")
              + ", not '"
              + s
              + "'");
      return null;
    }
  }
}
