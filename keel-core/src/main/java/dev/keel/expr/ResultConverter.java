package dev.keel.expr;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Set;

/**
 * Converts a value expression's CEL result into the Java type of its target column (see {@link
 * ColumnType}). Which CEL result types a column accepts is checked once, at compile time; ranges
 * (smallint, integer, numeric precision, varchar length) are checked per record and a value that
 * does not fit is refused, never truncated. Numeric values are rounded half-up to the column's
 * scale, as PostgreSQL does.
 */
final class ResultConverter {
  private static final long SMALLINT_MIN = Short.MIN_VALUE;
  private static final long SMALLINT_MAX = Short.MAX_VALUE;
  private static final long INTEGER_MIN = Integer.MIN_VALUE;
  private static final long INTEGER_MAX = Integer.MAX_VALUE;

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
          "expression gives " + CelTypeNames.display(resultType) + ", but the column is " + target
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

  /** The Java value for the column; null stays null. Throws ExpressionException when it does not fit. */
  Object convert(Object value) {
    if (value == null || value instanceof dev.cel.common.values.NullValue) {
      return null;
    }
    return switch (target.kind()) {
      case SMALLINT -> inRange(asLong(value), SMALLINT_MIN, SMALLINT_MAX);
      case INTEGER -> inRange(asLong(value), INTEGER_MIN, INTEGER_MAX);
      case BIGINT -> asLong(value);
      case NUMERIC -> toNumeric(asDecimal(value));
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
    BigDecimal scaled = decimal.setScale(target.scale(), RoundingMode.HALF_UP);
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
      throw doesNotFit("a text of " + length + " characters", "at most " + target.precision() + " characters");
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
    return BigDecimal.valueOf(finite(as(value, Double.class)));
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
          "result " + value + " (" + value.getClass().getSimpleName() + ") cannot be stored in a "
              + target + " column",
          0);
    }
    return javaType.cast(value);
  }

  private ExpressionException doesNotFit(Object value, String rule) {
    return new ExpressionException("result " + value + " does not fit " + target + ": " + rule, 0);
  }
}
