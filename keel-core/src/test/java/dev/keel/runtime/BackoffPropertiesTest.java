package dev.keel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Exponential backoff with full jitter: bounded, and growing on average as 2^n until the cap. */
class BackoffPropertiesTest {

  @Property
  void every_delay_is_within_zero_and_the_capped_exponential(
      @ForAll @IntRange(min = 1, max = 80) int attempt,
      @ForAll @LongRange(min = 1, max = 60_000) long baseMillis,
      @ForAll @LongRange(min = 1, max = 3_600_000) long maxMillis,
      @ForAll long seed) {
    Duration base = Duration.ofMillis(baseMillis);
    Duration max = Duration.ofMillis(Math.max(baseMillis, maxMillis));
    long ceiling =
        Math.min(
            max.toMillis(), (long) Math.min(Long.MAX_VALUE, baseMillis * Math.pow(2, attempt - 1)));

    Duration delay = Backoff.delay(attempt, base, max, new SplittableRandom(seed));

    assertThat(delay.toMillis()).isBetween(0L, ceiling);
    assertThat(Backoff.ceiling(attempt, base, max).toMillis()).isEqualTo(ceiling);
  }

  @Property(tries = 20)
  void the_mean_delay_is_half_the_ceiling_and_doubles_per_attempt(
      @ForAll @IntRange(min = 1, max = 6) int attempt, @ForAll long seed) {
    Duration base = Duration.ofMillis(100);
    Duration max = Duration.ofHours(1);
    SplittableRandom random = new SplittableRandom(seed);
    int samples = 20_000;
    double sum = 0;
    double sumNext = 0;
    for (int i = 0; i < samples; i++) {
      sum += Backoff.delay(attempt, base, max, random).toMillis();
      sumNext += Backoff.delay(attempt + 1, base, max, random).toMillis();
    }
    double mean = sum / samples;
    double expected = 100 * Math.pow(2, attempt - 1) / 2.0;

    assertThat(mean).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(5));
    assertThat(sumNext / samples / mean).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.2));
  }

  @Property
  void without_jitter_the_delay_is_the_ceiling(
      @ForAll @IntRange(min = 1, max = 80) int attempt,
      @ForAll @LongRange(min = 1, max = 60_000) long baseMillis,
      @ForAll long seed) {
    var retry =
        new dev.keel.spec.RetrySpec(
            3,
            Duration.ofMillis(baseMillis),
            Duration.ofHours(1),
            dev.keel.spec.RetrySpec.Jitter.NONE);

    assertThat(Backoff.delay(attempt, retry, new SplittableRandom(seed)))
        .isEqualTo(Backoff.ceiling(attempt, retry.backoff(), retry.maxBackoff()));
  }

  @Property
  void once_capped_the_ceiling_stays_at_the_maximum(
      @ForAll @IntRange(min = 12, max = 1000) int attempt) {
    assertThat(Backoff.ceiling(attempt, Duration.ofSeconds(2), Duration.ofMinutes(5)))
        .isEqualTo(Duration.ofMinutes(5));
  }
}
