package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CopyTextTest {
  /** The hand-written timestamptz encoding is byte for byte ISO_OFFSET_DATE_TIME's. */
  @Test
  void timestamptzIsIsoOffsetDateTime() {
    Random r = new Random(7);
    ZoneOffset[] offsets = {
      ZoneOffset.UTC,
      ZoneOffset.ofTotalSeconds(0),
      ZoneOffset.ofHours(2),
      ZoneOffset.ofHoursMinutes(-5, -30)
    };
    for (int i = 0; i < 100_000; i++) {
      long seconds = r.nextLong(-70_000_000_000L, 260_000_000_000L); // years about -250 to 10200
      int nano =
          switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> r.nextInt(1000) * 1_000_000;
            case 2 -> r.nextInt(1_000_000) * 1000;
            default -> r.nextInt(1_000_000_000);
          };
      OffsetDateTime t =
          OffsetDateTime.ofInstant(
              java.time.Instant.ofEpochSecond(seconds, nano), offsets[r.nextInt(offsets.length)]);
      CopyText c = new CopyText();
      c.row(1, new Object[] {t});
      assertThat(new String(c.bytes(), 0, c.length(), StandardCharsets.UTF_8))
          .isEqualTo("1\t" + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t) + "\n");
    }
  }

  /** Integers and decimals written straight into the buffer are Long.toString and toPlainString. */
  @Test
  void integersAndDecimalsAreTheirJavaText() {
    Random r = new Random(17);
    long[] edges = {0, 1, -1, 9, 10, -10, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
    for (long v : edges) {
      assertThat(encoded(v)).isEqualTo(Long.toString(v));
    }
    for (int i = 0; i < 20_000; i++) {
      long v = r.nextLong() >> r.nextInt(64);
      assertThat(encoded(v)).isEqualTo(Long.toString(v));
      java.math.BigDecimal d =
          switch (r.nextInt(4)) {
            case 0 -> java.math.BigDecimal.valueOf(r.nextLong() >> r.nextInt(64), r.nextInt(20));
            case 1 -> java.math.BigDecimal.valueOf(r.nextInt(1000) - 500, r.nextInt(6));
            case 2 ->
                new java.math.BigInteger(100, r).signum() < 0
                    ? java.math.BigDecimal.ONE
                    : new java.math.BigDecimal(new java.math.BigInteger(90, r), r.nextInt(30));
            default -> java.math.BigDecimal.valueOf(r.nextInt(100), -r.nextInt(4));
          };
      if (r.nextBoolean()) {
        d = d.negate();
      }
      assertThat(encoded(d)).as("%s", d).isEqualTo(d.toPlainString());
    }
    assertThat(encoded(new java.math.BigDecimal("0.00"))).isEqualTo("0.00");
    assertThat(encoded(new java.math.BigDecimal("-0.05"))).isEqualTo("-0.05");
    assertThat(encoded(new java.math.BigDecimal("123.45"))).isEqualTo("123.45");
    assertThat(encoded(new java.math.BigDecimal("1E+3"))).isEqualTo("1000");
  }

  private static String encoded(Object value) {
    CopyText c = new CopyText();
    c.values(new Object[] {value});
    return new String(c.bytes(), 0, c.length() - 1, StandardCharsets.UTF_8);
  }
}
