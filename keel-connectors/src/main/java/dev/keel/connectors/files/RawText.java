package dev.keel.connectors.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.QuoteMode;

/**
 * The raw text kept with a rejected record for the dead-letter table: fields re-joined as one CSV
 * line (NULL as an empty unquoted field, every other value quoted), bounded to {@link #CAP}
 * characters so a huge record does not become a huge dead letter.
 */
public final class RawText {
  public static final int CAP = 8192;
  private static final String CUT = "…(truncated)";

  private RawText() {}

  public static String join(List<String> fields, char delimiter) {
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setDelimiter(delimiter)
            .setQuoteMode(QuoteMode.ALL_NON_NULL)
            .get();
    StringBuilder b = new StringBuilder();
    try {
      for (int i = 0; i < fields.size() && b.length() <= CAP; i++) {
        String field = fields.get(i);
        String f = field != null && field.length() > CAP ? field.substring(0, CAP) : field;
        format.print(f, b, i == 0);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder does not throw
    }
    return bound(b.toString());
  }

  public static String bound(String text) {
    return text.length() <= CAP ? text : text.substring(0, CAP) + CUT;
  }
}
