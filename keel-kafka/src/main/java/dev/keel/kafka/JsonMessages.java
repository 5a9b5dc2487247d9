package dev.keel.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keel.connectors.jsonl.JsonObjects;
import dev.keel.record.Coercion;
import dev.keel.spec.Column;
import java.time.ZoneId;
import java.util.List;

/**
 * {@code format: json}: a message is one JSON object whose keys are column names (exact case), by
 * the rules of JSON Lines ({@link JsonObjects}): a missing key or JSON null is NULL, unknown keys
 * are ignored, numbers go through {@link Coercion} without losing a digit, a nested object or array
 * where a column is declared is refused.
 */
final class JsonMessages implements MessageFormat {
  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNumberLength(1000)
                          .maxNestingDepth(1000)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private final List<Column> columns;
  private final ZoneId zone;

  JsonMessages(List<Column> columns, ZoneId zone) {
    this.columns = List.copyOf(columns);
    this.zone = zone;
  }

  @Override
  public Object[] values(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (StreamConstraintsException e) {
      throw new Refused("JSON over keel's limits: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new Refused(
          "not valid JSON"
              + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr())
              + ": "
              + e.getOriginalMessage());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new Refused("a JSON number is out of range: " + e.getMessage());
    }
    try {
      return JsonObjects.values(root, columns, zone);
    } catch (JsonObjects.Refused e) {
      throw new Refused(e.getMessage());
    }
  }
}
