package dev.keel.connectors.jsonl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.record.Coercion;
import dev.keel.record.CoercionException;
import dev.keel.spec.Column;
import java.time.ZoneId;
import java.util.List;

/**
 * A JSON object as a record of declared columns, by the rules of JSON Lines: a missing key or JSON
 * null is NULL, unknown keys are ignored, an empty string is "" for text and NULL otherwise, values
 * go through {@link Coercion} as text (numbers without losing a digit), a nested object or array
 * where a column is declared is refused. Shared by the jsonl source and Kafka's {@code format:
 * json}.
 */
public final class JsonObjects {
  /** A value or document that does not fit; its message is the reason, for the dead letter. */
  public static final class Refused extends Exception {
    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private JsonObjects() {}

  /** The values of {@code columns} in {@code root}, which must be a JSON object. */
  public static Object[] values(JsonNode root, List<Column> columns, ZoneId zone) throws Refused {
    if (root == null || !root.isObject()) {
      throw new Refused("expected a JSON object, found " + kind(root));
    }
    Object[] values = new Object[columns.size()];
    for (int c = 0; c < values.length; c++) {
      Column column = columns.get(c);
      JsonNode node = root.get(column.name());
      if (node == null || node.isNull()) {
        continue;
      }
      if (node.isContainerNode()) {
        throw new Refused(
            "column "
                + column.name()
                + ": "
                + kind(node)
                + " where "
                + column.type().sql()
                + " is declared");
      }
      String value = node.asText();
      if (value.isEmpty() && node.isTextual()) {
        values[c] = column.type().isText() ? "" : null;
        continue;
      }
      try {
        values[c] = Coercion.fromText(value, column.type(), zone);
      } catch (CoercionException e) {
        throw new Refused("column " + column.name() + ": " + e.getMessage());
      }
    }
    return values;
  }

  private static String kind(JsonNode node) {
    if (node == null) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case OBJECT, POJO -> "a nested object";
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }
}
