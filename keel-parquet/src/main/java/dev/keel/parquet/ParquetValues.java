package dev.keel.parquet;

import dev.keel.record.Coercion;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Readers of one Parquet value as the text {@link Coercion} takes, so a Parquet value follows the
 * same rules as a CSV field: a decimal is written from its unscaled digits (never through a
 * double), an instant as ISO-8601 with {@code Z}, a local date-time without an offset. Null when a
 * pair of types cannot be read (the caller refuses the file).
 */
final class ParquetValues {
  /** The text of field {@code f} (present) of {@code row}. */
  interface Reader {
    String read(Group row, int f);
  }

  private ParquetValues() {}

  static Reader integerOrDecimal(PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
    if (logical instanceof DecimalLogicalTypeAnnotation d) {
      int scale = d.getScale();
      return switch (physical) {
        case INT32 -> (row, f) -> BigDecimal.valueOf(row.getInteger(f, 0), scale).toPlainString();
        case INT64 -> (row, f) -> BigDecimal.valueOf(row.getLong(f, 0), scale).toPlainString();
        case BINARY, FIXED_LEN_BYTE_ARRAY ->
            (row, f) ->
                new BigDecimal(new BigInteger(row.getBinary(f, 0).getBytes()), scale)
                    .toPlainString();
        default -> null;
      };
    }
    boolean unsigned = logical instanceof IntLogicalTypeAnnotation i && !i.isSigned();
    if (logical != null && !(logical instanceof IntLogicalTypeAnnotation)) {
      return null;
    }
    return switch (physical) {
      case INT32 ->
          unsigned
              ? (row, f) -> Integer.toUnsignedString(row.getInteger(f, 0))
              : (row, f) -> Integer.toString(row.getInteger(f, 0));
      case INT64 ->
          unsigned
              ? (row, f) -> Long.toUnsignedString(row.getLong(f, 0))
              : (row, f) -> Long.toString(row.getLong(f, 0));
      default -> null;
    };
  }

  static Reader floating(PrimitiveTypeName physical) {
    return physical == PrimitiveTypeName.FLOAT
        ? (row, f) -> Float.toString(row.getFloat(f, 0))
        : (row, f) -> Double.toString(row.getDouble(f, 0));
  }

  static Reader bool() {
    return (row, f) -> Boolean.toString(row.getBoolean(f, 0));
  }

  /** Bytes of a string, enum or JSON (or unannotated) binary, decoded as UTF-8. */
  static Reader text(PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
    boolean binary =
        physical == PrimitiveTypeName.BINARY || physical == PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
    boolean textual =
        logical == null
            || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    return binary && textual ? (row, f) -> utf8(row.getBinary(f, 0)) : null;
  }

  /**
   * Invalid UTF-8 becomes {@link Coercion#MALFORMED}, so Coercion rejects the record naming the
   * character, as for a text file.
   */
  private static String utf8(Binary value) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE)
            .replaceWith(String.valueOf(Coercion.MALFORMED));
    try {
      return decoder.decode(ByteBuffer.wrap(value.getBytes())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder does not throw", e);
    }
  }

  static Reader date() {
    return (row, f) -> LocalDate.ofEpochDay(row.getInteger(f, 0)).toString();
  }

  /**
   * An INT96 timestamp (Spark, Impala, Hive): 8 bytes of nanoseconds in the day, then 4 bytes of
   * Julian day, little-endian; an instant in UTC.
   */
  static Reader int96() {
    return (row, f) -> {
      ByteBuffer b = row.getInt96(f, 0).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      long nanosOfDay = b.getLong();
      long day = b.getInt() - JULIAN_DAY_OF_EPOCH;
      return Instant.ofEpochSecond(Math.multiplyExact(day, 86_400L), nanosOfDay)
          .atOffset(ZoneOffset.UTC)
          .toString();
    };
  }

  /** The Julian day number of 1970-01-01. */
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588L;

  /**
   * An INT64 timestamp in its unit: adjusted to UTC, an instant ({@code …Z}); not adjusted, a local
   * date-time (for timestamptz then read in the source's timezone).
   */
  static Reader timestamp(TimestampLogicalTypeAnnotation ts) {
    long perSecond =
        switch (ts.getUnit()) {
          case MILLIS -> 1_000L;
          case MICROS -> 1_000_000L;
          case NANOS -> 1_000_000_000L;
        };
    long nanosPerUnit = 1_000_000_000L / perSecond;
    boolean utc = ts.isAdjustedToUTC();
    return (row, f) -> {
      long v = row.getLong(f, 0);
      long seconds = Math.floorDiv(v, perSecond);
      int nanos = (int) (Math.floorMod(v, perSecond) * nanosPerUnit);
      return utc
          ? Instant.ofEpochSecond(seconds, nanos).atOffset(ZoneOffset.UTC).toString()
          : LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC).toString();
    };
  }
}
