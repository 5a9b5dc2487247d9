package dev.keel.kafka;

import dev.keel.record.Coercion;
import dev.keel.record.CoercionException;
import dev.keel.spec.Column;
import java.io.IOException;
import java.io.StringReader;
import java.time.ZoneId;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;

/**
 * {@code format: csv}: a message is one RFC 4180 record without a header, its fields in the
 * declared columns' order, by the CSV source's rules: an unquoted empty field is NULL, a quoted one
 * ("") the empty string for text and NULL otherwise; too few or too many fields is refused, never
 * padded.
 */
final class CsvMessages implements MessageFormat {
  // ALL_NON_NULL with no null string: commons-csv returns null for ,, and "" for ,"",
  private static final CSVFormat FORMAT =
      CSVFormat.RFC4180
          .builder()
          .setQuoteMode(QuoteMode.ALL_NON_NULL)
          .setNullString(null)
          .setIgnoreEmptyLines(false)
          .get();

  private final List<Column> columns;
  private final ZoneId zone;

  CsvMessages(List<Column> columns, ZoneId zone) {
    this.columns = List.copyOf(columns);
    this.zone = zone;
  }

  @Override
  public Object[] values(String text) {
    CSVRecord record;
    try (CSVParser parser = CSVParser.parse(new StringReader(text), FORMAT)) {
      var records = parser.getRecords();
      if (records.size() != 1) {
        throw new Refused("expected one CSV record, found " + records.size());
      }
      record = records.get(0);
    } catch (IOException | java.io.UncheckedIOException | IllegalStateException e) {
      throw new Refused("not valid CSV: " + e.getMessage());
    }
    if (record.size() != columns.size()) {
      throw new Refused(
          "expected " + columns.size() + " fields (the declared columns), found " + record.size());
    }
    Object[] values = new Object[columns.size()];
    for (int c = 0; c < values.length; c++) {
      Column column = columns.get(c);
      String field = record.get(c);
      if (field == null) {
        continue;
      }
      if (field.isEmpty()) {
        values[c] = column.type().isText() ? "" : null;
        continue;
      }
      try {
        values[c] = Coercion.fromText(field, column.type(), zone);
      } catch (CoercionException e) {
        throw new Refused("column " + column.name() + ": " + e.getMessage());
      }
    }
    return values;
  }
}
