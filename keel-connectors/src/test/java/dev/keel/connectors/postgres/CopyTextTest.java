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
}
