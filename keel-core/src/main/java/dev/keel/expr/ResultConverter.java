package dev.keel.expr;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Set;

/**
 * Converts a value expression's CEL result into the Java type of its target column (see {@link
 * ColumnType}). Which CEL result types a column accepts is checked once, at compile time; ranges
 * (smallint, integer, numeric precision, varchar length) are checked per record and a value that
 * does not fit is refused, never truncated.
 *
 * <p>Numeric results are never rounded. An exact value (an int, or a numeric column passed through,
 * see {@link NumericFlow}) is stored when the column's scale holds it. A computed double is read as
 * the decimal it stands for: double carries {@value NumericFlow#EXACT_DIGITS} significant digits,
 * so {@code 10.00 * 1.1 = 11.000000000000002} stands for 11, its last digits being the noise of
 * binary arithmetic. A result that needs all those digits ({@code 1.0 / 3.0}) or more decimal
 * places than the column's scale ({@code 1.0 / 3.0} into numeric(30,2)) is refused, and so is one
 * of magnitude 2^53 or more, where double no longer counts in units.
 */
final class ResultConverter {
  private static final long SMALLINT_MIN = Short.MIN_VALUE;
  private static final long SMALLINT_MAX = Short.MAX_VALUE;
  private static final long INTEGER_MIN = Integer.MIN_VALUE;
  private static final long INTEGER_MAX = Integer.MAX_VALUE;

  /** 2^53: from here on, not every integer is a double. */
  private static final double DOUBLE_EXACT_INTEGERS = 0x1p53;

  private static final MathContext DOUBLE_DIGITS =
      new MathContext(NumericFlow.EXACT_DIGITS, RoundingMode.HALF_EVEN);

  private final ColumnType target;

  private ResultConverter(ColumnType target) {
    this.target = target;
  }

  /**
   * A converter to {@code target}, or ExpressionException when a result of {@code resultType} can
   * never be stored there.
   */
  static ResultConverter forTarget(ColumnType target, CelType resultType) {
    CelKind kind = CelTypeNames.unwrap(resultType).kind();
    if (kind != CelKind.DYN && kind != CelKind.NULL_TYPE && !accepted(target).contains(kind)) {
      throw new ExpressionException(
          "expression gives "
              + CelTypeNames.display(resultType)
              + ", but the column is "
              + target
              + hint(target),
          1);
    }
    return new ResultConverter(target);
  }

  private static Set<CelKind> accepted(ColumnType target) {
    return switch (target.kind()) {
      case SMALLINT, INTEGER, BIGINT -> Set.of(CelKind.INT);
      case NUMERIC, REAL, DOUBLE -> Set.of(CelKind.DOUBLE, CelKind.INT);
      case BOOLEAN -> Set.of(CelKind.BOOL);
      case TEXT, VARCHAR -> Set.of(CelKind.STRING);
      case DATE, TIMESTAMP, TIMESTAMPTZ -> Set.of(CelKind.TIMESTAMP);
    };
  }

  private static String hint(ColumnType target) {
    return switch (target.kind()) {
      case SMALLINT, INTEGER, BIGINT -> "; convert with int(...)";
      case NUMERIC, REAL, DOUBLE -> "; convert with double(...)";
      case TEXT, VARCHAR -> "; convert with string(...)";
      case DATE, TIMESTAMP, TIMESTAMPTZ -> "; convert with timestamp(...)";
      case BOOLEAN -> "; use a comparison";
    };
  }

  /** Whether the column stores a BigDecimal, which {@link #convert} then accepts as it is. */
  boolean keepsDecimals() {
    return target.kind() == ColumnType.Kind.NUMERIC;
  }

  /**
   * The Java value for the column; null stays null. Throws ExpressionException when it does not
   * fit.
   */
  Object convert(Object value) {
    if (value == null || value instanceof dev.cel.common.values.NullValue) {
      return null;
    }
    return switch (target.kind()) {
      case SMALLINT -> inRange(asLong(value), SMALLINT_MIN, SMALLINT_MAX);
      case INTEGER -> inRange(asLong(value), INTEGER_MIN, INTEGER_MAX);
      case BIGINT -> asLong(value);
      case NUMERIC -> toNumeric(value instanceof BigDecimal exact ? exact : asDecimal(value));
      case REAL -> toReal(finite(asDouble(value)));
      case DOUBLE -> asDouble(value);
      case BOOLEAN -> as(value, Boolean.class);
      case TEXT -> as(value, String.class);
      case VARCHAR -> toVarchar(as(value, String.class));
      case DATE -> LocalDateTime.ofInstant(as(value, Instant.class), ZoneOffset.UTC).toLocalDate();
      case TIMESTAMP -> LocalDateTime.ofInstant(as(value, Instant.class), ZoneOffset.UTC);
      case TIMESTAMPTZ -> as(value, Instant.class).atOffset(ZoneOffset.UTC);
    };
  }

  private Long inRange(long value, long min, long max) {
    if (value < min || value > max) {
      throw doesNotFit(value, "it must be between " + min + " and " + max);
    }
    return value;
  }

  private BigDecimal toNumeric(BigDecimal decimal) {
    if (target.precision() == 0) {
      return decimal;
    }
    if (decimal.stripTrailingZeros().scale() > target.scale()) {
      throw notExact(decimal);
    }
    BigDecimal scaled = decimal.setScale(target.scale(), RoundingMode.UNNECESSARY);
    if (scaled.precision() > target.precision()) {
      int integerDigits = target.precision() - target.scale();
      throw doesNotFit(decimal, "at most " + integerDigits + " digits before the decimal point");
    }
    return scaled;
  }

  private Double toReal(double value) {
    if (Math.abs(value) > Float.MAX_VALUE) {
      throw doesNotFit(value, "it is beyond the range of real");
    }
    return value;
  }

  private String toVarchar(String value) {
    int length = value.codePointCount(0, value.length());
    if (length > target.precision()) {
      throw doesNotFit(
          "a text of " + length + " characters", "at most " + target.precision() + " characters");
    }
    return value;
  }

  private double finite(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw doesNotFit(value, "it is not a finite number");
    }
    return value;
  }

  private BigDecimal asDecimal(Object value) {
    if (value instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    double d = finite(as(value, Double.class));
    if (Math.abs(d) >= DOUBLE_EXACT_INTEGERS) {
      throw doesNotFit(
          BigDecimal.valueOf(d).toPlainString(),
          "a computed number of magnitude 2^53 or more is not exact in double arithmetic");
    }
    BigDecimal shortest = BigDecimal.valueOf(d).stripTrailingZeros();
    if (NumericFlow.significantDigits(shortest) <= NumericFlow.EXACT_DIGITS) {
      return shortest.scale() < 0 ? shortest.setScale(0) : shortest;
    }
    BigDecimal meant = shortest.round(DOUBLE_DIGITS).stripTrailingZeros();
    if (target.precision() > 0 && meant.scale() > target.scale()) {
      throw notExact(shortest);
    }
    if (NumericFlow.significantDigits(meant) >= NumericFlow.EXACT_DIGITS) {
      throw doesNotFit(
          shortest.toPlainString(),
          "it needs more than the "
              + NumericFlow.EXACT_DIGITS
              + " significant digits that double arithmetic"
              + " computes exactly, and keel does not round");
    }
    return meant.scale() < 0 ? meant.setScale(0) : meant;
  }

  private long asLong(Object value) {
    return as(value, Long.class);
  }

  private double asDouble(Object value) {
    if (value instanceof Long l) {
      return l.doubleValue();
    }
    return as(value, Double.class);
  }

  private <T> T as(Object value, Class<T> javaType) {
    if (!javaType.isInstance(value)) {
      throw new ExpressionException(
          "result "
              + value
              + " ("
              + value.getClass().getSimpleName()
              + ") cannot be stored in a "
              + target
              + " column",
          0);
    }
    return javaType.cast(value);
  }

  private ExpressionException notExact(BigDecimal value) {
    return new ExpressionException(
        "result "
            + value.toPlainString()
            + " does not fit "
            + target
            + " exactly: it has more than "
            + target.scale()
            + " decimal places, and keel does not round (declare a larger scale)",
        0);
  }

  private ExpressionException doesNotFit(Object value, String rule) {
    return new ExpressionException("result " + value + " does not fit " + target + ": " + rule, 0);
  }
}
