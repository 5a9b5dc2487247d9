package dev.keel.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way keel writes a duration, in pipeline files, the alert file and on the command line: a
 * whole number and a unit, {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 1d}.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
  public static final String EXAMPLES = "500ms, 2s, 5m or 1h";

  private Durations() {}

  /**
   * The duration {@code text} names; IllegalArgumentException naming the accepted forms when it
   * names none.
   */
  public static Duration parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration; write e.g. " + EXAMPLES);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
