package dev.keel.spec;

import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One partition as its source sees it: its name, and for a time-partitioned pipeline its window and
 * (with two dimensions) its value. Paths may use {@code ${partition}}, {@code ${window}}, {@code
 * ${value}}, {@code ${window_start}} and {@code ${window_end}}; JDBC queries bind the same names as
 * parameters ({@code :window_start}, {@code :window_end} typed timestamptz).
 */
public record PartitionRef(String name, TimeWindow window, String value) {

  public static PartitionRef named(String name) {
    return new PartitionRef(name, null, null);
  }

  /**
   * The text each placeholder stands for; window bounds in ISO-8601 with the zone's offset ({@code
   * 2026-11-28T00:00:00+01:00}).
   */
  public Map<String, String> variables() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("partition", name);
    if (window != null) {
      out.put("window", window.name());
      out.put("window_start", window.start().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
      out.put("window_end", window.end().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
      if (value != null) {
        out.put("value", value);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return name;
  }
}
