package dev.keel.connectors.postgres;

import dev.keel.spec.Column;
import dev.keel.spec.Identifiers;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The temporary table one attempt stages its rows in: {@code _keel_pos} (the record's source
 * position, unique within the stage) and the declared columns. Dropped when its transaction ends.
 */
final class StageTable {
  static final String NAME = "keel_stage";
  static final String POSITION = "_keel_pos";

  private StageTable() {}

  static String create(List<Column> columns) {
    String cols =
        columns.stream()
            .map(c -> Identifiers.quote(c.name()) + " " + c.type().sql())
            .collect(Collectors.joining(", "));
    return "CREATE TEMP TABLE "
        + NAME
        + " ("
        + POSITION
        + " bigint NOT NULL, "
        + cols
        + ") ON COMMIT DROP";
  }

  /**
   * SQL for a staged row (alias {@code s}) as one comma-separated line: the raw record of a dead
   * letter.
   */
  static String rowText(List<Column> columns) {
    return columns.stream()
        .map(c -> "coalesce(s." + Identifiers.quote(c.name()) + "::text, '')")
        .collect(Collectors.joining(" || ',' || "));
  }
}
