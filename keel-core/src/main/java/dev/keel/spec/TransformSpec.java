package dev.keel.spec;

import java.util.Map;

/** One step of {@code transform:}, applied in order to every record. */
public sealed interface TransformSpec {
  /**
   * Keeps the records for which the boolean expression is true (filtered rows are counted, not
   * rejected).
   */
  record Filter(String expression) implements TransformSpec {}

  /**
   * Assigns each listed column the value of its expression, in order; later ones see earlier ones.
   */
  record Set(Map<String, String> assignments) implements TransformSpec {}
}
