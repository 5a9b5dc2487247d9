package dev.keel.spec;

import org.yaml.snakeyaml.DumperOptions.ScalarStyle;

/**
 * Maps a position in a scalar's value to its position in the file, where quotes and escapes make
 * the written text longer than the value: in {@code "a == \"x\" && b"} the value's {@code b} is two
 * characters further right than its index in the value.
 */
final class ScalarColumns {
  private ScalarColumns() {}

  /** The 0-based offset in {@code raw} (the scalar as written) of value character {@code index}. */
  static int rawOffset(ScalarStyle style, String raw, int index) {
    if (style == ScalarStyle.SINGLE_QUOTED) {
      return walk(raw, index, false);
    }
    if (style == ScalarStyle.DOUBLE_QUOTED) {
      return walk(raw, index, true);
    }
    return style == ScalarStyle.PLAIN ? index : 0;
  }

  private static int walk(String raw, int index, boolean doubleQuoted) {
    int pos = 1; // after the opening quote
    for (int i = 0; i < index && pos < raw.length() - 1; i++) {
      pos += doubleQuoted ? escapeLength(raw, pos) : raw.charAt(pos) == '\'' ? 2 : 1;
    }
    return Math.min(pos, Math.max(0, raw.length() - 1));
  }

  /**
   * How many written characters the value character at {@code pos} takes in a double-quoted scalar.
   */
  private static int escapeLength(String raw, int pos) {
    if (raw.charAt(pos) != '\\' || pos + 1 >= raw.length()) {
      return 1;
    }
    return switch (raw.charAt(pos + 1)) {
      case 'x' -> 4;
      case 'u' -> 6;
      case 'U' -> 10;
      default -> 2;
    };
  }
}
