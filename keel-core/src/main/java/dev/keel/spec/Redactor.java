package dev.keel.spec;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every value resolved from {@code ${env:NAME}} or {@code ${file:/path}} in this process, masked as
 * {@value #MASK} out of text on its way to a log line, a terminal, a table or an alert. Masking by
 * value catches a secret whatever parameter or property it was put in and whatever a driver echoes.
 *
 * <p>One registry per process, on purpose: logback builds the log encoder itself, and a secret
 * resolved for one pipeline must stay out of every other pipeline's messages too. Values only
 * accumulate (a secret once resolved stays masked until the process exits).
 *
 * <p>Values shorter than {@value #MIN_LENGTH} characters are not masked: a 1-3 character value
 * ("a", "on", "123") would mask every word that contains it and make every message unreadable. Such
 * a value is still never printed on purpose (a {@link Secret} shows its reference); it is only not
 * searched for in text. A registered value that is an ordinary word (a user name such as {@code
 * postgres}) is masked wherever that word appears; that is the price of masking by value.
 */
public final class Redactor {
  public static final int MIN_LENGTH = 4;
  public static final String MASK = "***";

  /**
   * Longest first, so that a secret containing another is masked whole. Replaced, never mutated.
   */
  private static volatile List<String> values = List.of();

  private Redactor() {}

  /**
   * Masks {@code value} from now on, with its URL-encoded and JSON-escaped forms, unless it is too
   * short.
   */
  public static synchronized void register(String value) {
    if (value == null || value.length() < MIN_LENGTH) {
      return;
    }
    Set<String> all = new LinkedHashSet<>(values);
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    all.add(value);
    all.add(form);
    all.add(form.replace("+", "%20"));
    all.add(value.replace("\\", "\\\\").replace("\"", "\\\""));
    List<String> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    values = List.copyOf(sorted);
  }

  /** {@code text} with every registered value replaced by {@value #MASK}; null stays null. */
  public static String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String v : values) {
      if (out.contains(v)) {
        out = out.replace(v, MASK);
      }
    }
    return out;
  }
}
