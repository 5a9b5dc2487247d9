package dev.keel.record;

import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Text to typed value: the one documented rule for turning a source's text into the Java value of a
 * declared column (see {@link ColumnType} for the Java type of each kind). Every source that reads
 * text (CSV fields, JSON strings and numbers, JDBC values that are not already typed) goes through
 * here, so a value means the same thing whatever file it came from.
 *
 * <ul>
 *   <li>{@code null} in, {@code null} out. Deciding what is NULL (empty field, {@code \N}) is the
 *       source's job, not this class's.
 *   <li><b>smallint, integer, bigint</b>: optional sign and decimal digits only, surrounding spaces
 *       trimmed; range-checked for the declared kind. {@code 1e3} and {@code 1.0} are rejected (an
 *       integer column never silently drops a fraction).
 *   <li><b>numeric(p,s)</b>: a decimal, exponent allowed, spaces trimmed. More significant
 *       fractional digits than {@code s} are rejected (no silent rounding; trailing zeros are
 *       fine), and so are more than {@code p-s} integer digits. NaN and Infinity are rejected. The
 *       value is returned with scale {@code s}. Plain {@code numeric} takes any decimal.
 *   <li><b>real, double precision</b>: a decimal with optional exponent, or NaN, Infinity,
 *       -Infinity (also {@code inf}, case-insensitive). Hex floats and Java suffixes ({@code 1d})
 *       are rejected; so is a finite value too large for the kind (it would become infinity) and a
 *       non-zero value too small for it (it would become 0: {@code 1e-46} for real, {@code 1e-400}
 *       for double precision). Values that become subnormal are kept, as PostgreSQL does.
 *   <li><b>boolean</b>: true/false, t/f, yes/no, y/n, on/off, 1/0, case-insensitive, trimmed.
 *   <li><b>date</b>: ISO {@code yyyy-mm-dd} only, strictly (month 13 and 29 February of a non-leap
 *       year are rejected). Slashed or dotted dates such as {@code 01/02/03} are rejected as
 *       ambiguous. Years 0001 to 9999 (all date and time kinds): PostgreSQL has no year 0 and
 *       writes years before 1 AD with {@code BC}, so ISO years 0 and below (and signed years above
 *       9999) are rejected rather than refused later at COPY.
 *   <li><b>timestamp</b>: ISO local date-time, {@code T} or a space between date and time, optional
 *       seconds and fraction (to nanoseconds; digits past the sixth must be zeros, since PostgreSQL
 *       keeps microseconds and would round {@code .9999995} up to the next second). An offset is
 *       rejected: the column has no time zone, so dropping one would change the instant silently.
 *   <li><b>timestamptz</b>: ISO date-time with an offset ({@code +01:00}, {@code +0100}, {@code
 *       +01}) or {@code Z}; without an offset the local time is read in the source's time zone
 *       ({@code zone}, UTC by default). A local time that does not exist in that zone (a
 *       daylight-saving gap) or exists twice (an overlap) is rejected: write it with an offset. The
 *       result is normalised to UTC.
 *   <li><b>text</b>: any string, untrimmed, except one containing U+0000 (PostgreSQL text cannot
 *       store it) or a lone UTF-16 surrogate: a JSON escape of half a surrogate pair (D800 alone)
 *       that is no character, or the mark a file source leaves for bytes that are not valid in the
 *       declared encoding ({@link #MALFORMED}: set {@code encoding:} on the source). U+FFFD is an
 *       ordinary character. <b>varchar(n)</b>: the same, and at most {@code n} characters (code
 *       points).
 * </ul>
 */
public final class Coercion {

  /** The integral and decimal forms accepted (checked by hand, see {@link #isIntegral}). */
  static final Pattern INTEGRAL = Pattern.compile("[+-]?\\d+");

  static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final int SHOWN = 60;

  /**
   * What a file source decodes a malformed byte sequence to: a lone low surrogate, which no valid
   * input in any charset decodes to, so it cannot be mistaken for data (U+FFFD can: it is a valid
   * character). {@link #fromText} rejects the text holding it.
   */
  public static final char MALFORMED = '\uDFFF';

  private Coercion() {}

  /** The value of {@code text} as {@code type}; see the class comment for the rules. */
  public static Object fromText(String text, ColumnType type, ZoneId zone) {
    if (text == null) {
      return null;
    }
    return switch (type.kind()) {
      case SMALLINT -> integral(text, type, Short.MIN_VALUE, Short.MAX_VALUE);
      case INTEGER -> integral(text, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT -> integral(text, type, Long.MIN_VALUE, Long.MAX_VALUE);
      case NUMERIC -> numeric(text, type);
      case REAL -> real(text, type, true);
      case DOUBLE -> real(text, type, false);
      case BOOLEAN -> bool(text);
      case TEXT -> text(text);
      case VARCHAR -> varchar(text, type);
      case DATE -> TemporalCoercion.date(text);
      case TIMESTAMP -> TemporalCoercion.timestamp(text);
      case TIMESTAMPTZ -> TemporalCoercion.timestamptz(text, zone == null ? ZoneOffset.UTC : zone);
    };
  }

  private static Long integral(String text, ColumnType type, long min, long max) {
    String t = text.strip();
    if (!isIntegral(t)) {
      throw fail(show(text) + " is not " + article(type) + " " + type.sql());
    }
    long v;
    try {
      v = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw outOfRange(text, type, min, max);
    }
    if (v < min || v > max) {
      throw outOfRange(text, type, min, max);
    }
    return v;
  }

  private static CoercionException outOfRange(String text, ColumnType type, long min, long max) {
    return fail(show(text) + " is out of range for " + type.sql() + " (" + min + ".." + max + ")");
  }

  private static BigDecimal numeric(String text, ColumnType type) {
    String t = text.strip();
    if (!isDecimal(t)) {
      throw fail(
          show(text)
              + " is not a number"
              + (isNanOrInfinity(t) ? " that numeric(p,s) can hold" : ""));
    }
    BigDecimal v;
    try {
      v = new BigDecimal(t);
    } catch (NumberFormatException | ArithmeticException e) {
      throw fail(show(text) + " is not a number numeric can hold (exponent out of range)");
    }
    if (type.precision() == 0) {
      return v;
    }
    if (v.signum() != 0
        && v.scale() >= 0
        && v.scale() <= type.scale()
        && v.precision() - v.scale() <= type.precision() - type.scale()) {
      // Fits as written (the common case): the checks below would pass, without stripping zeros.
      return v.scale() == type.scale() ? v : v.setScale(type.scale());
    }
    BigDecimal stripped = v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
    int fraction = Math.max(stripped.scale(), 0);
    if (fraction > type.scale()) {
      throw fail(
          show(text)
              + " has "
              + fraction
              + " decimal places, "
              + type.sql()
              + " allows "
              + type.scale());
    }
    long integerDigits = (long) stripped.precision() - stripped.scale();
    if (integerDigits > type.precision() - type.scale()) {
      throw fail(
          show(text)
              + " has "
              + integerDigits
              + " digits before the decimal point, "
              + type.sql()
              + " allows "
              + (type.precision() - type.scale()));
    }
    return v.setScale(type.scale());
  }

  /** {@code [+-]?\\d+} (ASCII digits), as {@link #INTEGRAL}, without a regex on the hot path. */
  static boolean isIntegral(String t) {
    int i = t.startsWith("+") || t.startsWith("-") ? 1 : 0;
    if (i == t.length()) {
      return false;
    }
    for (; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code [+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?} (ASCII digits), as {@link #DECIMAL},
   * without a regex on the hot path: a mantissa of at least one digit and at most one point, then
   * an optional exponent.
   */
  static boolean isDecimal(String t) {
    int n = t.length();
    int i = n > 0 && (t.charAt(0) == '+' || t.charAt(0) == '-') ? 1 : 0;
    int digits = 0;
    boolean point = false;
    for (; i < n; i++) {
      char c = t.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i == n) {
      return true;
    }
    char e = t.charAt(i);
    if (e != 'e' && e != 'E') {
      return false;
    }
    i++;
    if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
      i++;
    }
    if (i == n) {
      return false;
    }
    for (; i < n; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isNanOrInfinity(String t) {
    String s = t.toLowerCase(Locale.ROOT).replaceFirst("^[+-]", "");
    return s.equals("nan") || s.equals("infinity") || s.equals("inf");
  }

  private static Double real(String text, ColumnType type, boolean single) {
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    switch (lower) {
      case "nan", "+nan", "-nan":
        return Double.NaN;
      case "infinity", "+infinity", "inf", "+inf":
        return Double.POSITIVE_INFINITY;
      case "-infinity", "-inf":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    if (!isDecimal(t)) {
      throw fail(show(text) + " is not " + article(type) + " " + type.sql());
    }
    double v = Double.parseDouble(t);
    // What PostgreSQL's float4in/float8in refuse: a finite value that rounds to infinity, or a
    // non-zero one that rounds to zero (subnormals are fine). The kind's own rounding decides, so
    // real is judged by parseFloat, not by the double.
    double rounded = single ? Float.parseFloat(t) : v;
    if (Double.isInfinite(rounded)) {
      throw fail(show(text) + " is out of range for " + type.sql() + " (too large)");
    }
    if (rounded == 0 && nonZeroMantissa(t)) {
      throw fail(
          show(text)
              + " is out of range for "
              + type.sql()
              + " (too small: it is not zero but would be stored as 0)");
    }
    return v;
  }

  /** Whether the digits before the exponent of a {@link #DECIMAL} hold anything but zeros. */
  private static boolean nonZeroMantissa(String t) {
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == 'e' || c == 'E') {
        return false;
      }
      if (c >= '1' && c <= '9') {
        return true;
      }
    }
    return false;
  }

  private static Boolean bool(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true", "t", "yes", "y", "on", "1" -> Boolean.TRUE;
      case "false", "f", "no", "n", "off", "0" -> Boolean.FALSE;
      default ->
          throw fail(
              show(text) + " is not a boolean (use true/false, t/f, yes/no, y/n, on/off or 1/0)");
    };
  }

  private static String text(String text) {
    int nul = text.indexOf('\u0000');
    if (nul >= 0) {
      throw fail(
          "text contains a NUL character (U+0000) at character "
              + (nul + 1)
              + ", which PostgreSQL cannot store");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
        continue;
      }
      if (c == MALFORMED) {
        throw fail(
            "text holds bytes that are not valid in the source's encoding at character "
                + (i + 1)
                + "; set encoding: on the source (for example encoding: windows-1252)");
      }
      throw fail(
          "text holds a lone UTF-16 surrogate (\\u"
              + String.format("%04x", (int) c)
              + ") at character "
              + (i + 1)
              + ", which is not a character");
    }
    return text;
  }

  private static String varchar(String text, ColumnType type) {
    text(text);
    int length = text.codePointCount(0, text.length());
    if (length > type.precision()) {
      throw fail(
          show(text)
              + " is "
              + length
              + " characters, "
              + type.sql()
              + " allows "
              + type.precision());
    }
    return text;
  }

  private static String article(ColumnType type) {
    return switch (type.kind()) {
      case INTEGER -> "an";
      default -> "a";
    };
  }

  /** The value quoted for a message, shortened and with control characters escaped. */
  static String show(String text) {
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(text.length(), SHOWN);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    if (text.length() > SHOWN) {
      b.append("…(").append(text.length()).append(" characters)");
    }
    return b.append('\'').toString();
  }

  static CoercionException fail(String message) {
    return new CoercionException(message);
  }
}
