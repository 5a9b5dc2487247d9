package dev.keel.connectors.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.TimeWindows;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class WindowPathsTest {
  static final TimeWindows DAILY_PARIS =
      new TimeWindows(
          TimeWindows.Unit.DAILY,
          LocalDateTime.parse("2026-01-01T00:00"),
          null,
          ZoneId.of("Europe/Paris"),
          Duration.ZERO,
          null);

  static PartitionRef cell(String window, String value) {
    return new PartitionRef(
        value == null ? window : window + "/" + value,
        DAILY_PARIS.parse(window).orElseThrow(),
        value);
  }

  @Test
  void a_path_gets_the_window_its_bounds_and_the_value() {
    Path base = Path.of("/data");
    assertThat(Sources.resolve("in/${partition}.csv", cell("2026-11-28", "eu"), base))
        .isEqualTo(Path.of("/data/in/2026-11-28/eu.csv"));
    assertThat(Sources.resolve("${value}/${window}.csv", cell("2026-11-28", "eu"), base))
        .isEqualTo(Path.of("/data/eu/2026-11-28.csv"));
    assertThat(
            Sources.resolve(
                "from-${window_start}-to-${window_end}.csv", cell("2026-10-25", null), base))
        .isEqualTo(
            Path.of("/data/from-2026-10-25T00:00:00+02:00-to-2026-10-26T00:00:00+01:00.csv"));
  }

  @Test
  void a_plain_partition_with_a_slash_is_still_refused_in_a_path() {
    assertThatThrownBy(
            () ->
                Sources.resolve("in/${partition}.csv", PartitionRef.named("a/../b"), Path.of("/d")))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("must not be empty or contain /");
  }
}
