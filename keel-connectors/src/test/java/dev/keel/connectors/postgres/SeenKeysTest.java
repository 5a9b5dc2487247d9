package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The approximate memory of staged keys: "none repeated" only when that is certain. */
class SeenKeysTest {
  private static final List<Column> COLUMNS =
      List.of(
          new Column("id", ColumnType.parse("bigint")),
          new Column("name", ColumnType.parse("text")),
          new Column("amount", ColumnType.parse("numeric(12,2)")),
          new Column("at", ColumnType.parse("timestamptz")),
          new Column("day", ColumnType.parse("date")),
          new Column("code", ColumnType.parse("varchar(2)")));

  @Test
  void distinct_keys_are_certainly_not_repeated_and_a_repeat_is_seen() {
    SeenKeys seen = SeenKeys.forKey(COLUMNS, List.of("id"));
    for (long id = 1; id <= 200_000; id++) {
      seen.add(row(id, "n" + id));
    }
    assertThat(seen.noneRepeated()).isTrue();

    seen.add(row(77L, "again"));

    assertThat(seen.noneRepeated()).isFalse();
  }

  @Test
  void keys_that_stop_rising_are_checked_against_every_earlier_one() {
    // Falling keys: every one goes through the filter.
    SeenKeys falling = SeenKeys.forKey(COLUMNS, List.of("id"));
    for (long id = 100_000; id >= 1; id--) {
      falling.add(row(id, "n"));
    }
    assertThat(falling.noneRepeated()).isTrue();
    falling.add(row(50_000L, "again"));
    assertThat(falling.noneRepeated()).isFalse();

    // Rising for a few keys (all in the filter too), then not: an earlier key is still seen.
    SeenKeys early = SeenKeys.forKey(COLUMNS, List.of("id"));
    for (long id : new long[] {10, 20, 30, 5, 25, 1_000}) {
      early.add(row(id, "n"));
    }
    assertThat(early.noneRepeated()).isTrue();
    early.add(row(20L, "again"));
    assertThat(early.noneRepeated()).isFalse();

    // Rising for many keys, then not: below or above their range is certain, within is "maybe".
    SeenKeys late = SeenKeys.forKey(COLUMNS, List.of("id"));
    for (long id = 1_000; id < 21_000; id++) {
      late.add(row(id, "n"));
    }
    late.add(row(5L, "below"));
    late.add(row(30_000L, "above"));
    late.add(row(4L, "below"));
    assertThat(late.noneRepeated()).isTrue();
    late.add(row(4L, "again"));
    assertThat(late.noneRepeated()).isFalse();
    late.reset();
    for (long id = 1_000; id < 21_000; id++) {
      late.add(row(id, "n"));
    }
    late.add(row(5L, "below"));
    late.add(row(20_500L, "within, not repeated, but not certain"));
    assertThat(late.noneRepeated()).isFalse();
  }

  @Test
  void a_key_of_two_columns_repeats_only_when_both_are_equal() {
    SeenKeys seen = SeenKeys.forKey(COLUMNS, List.of("id", "name"));
    seen.add(row(1L, "x"));
    seen.add(row(1L, "y"));
    seen.add(row(2L, "x"));
    assertThat(seen.noneRepeated()).isTrue();

    seen.add(row(1L, "y"));

    assertThat(seen.noneRepeated()).isFalse();
  }

  @Test
  void values_postgresql_may_find_equal_count_as_a_possible_repeat() {
    // The same instant at two offsets is one timestamptz.
    SeenKeys at = SeenKeys.forKey(COLUMNS, List.of("at"));
    at.add(with(3, OffsetDateTime.of(2026, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC)));
    at.add(with(3, OffsetDateTime.of(2026, 1, 1, 13, 0, 0, 0, ZoneOffset.ofHours(1))));
    assertThat(at.noneRepeated()).isFalse();

    // PostgreSQL rounds a fraction finer than a microsecond: not hashed, so maybe repeated.
    SeenKeys fine = SeenKeys.forKey(COLUMNS, List.of("at"));
    fine.add(with(3, OffsetDateTime.of(2026, 1, 1, 12, 0, 0, 1_500, ZoneOffset.UTC)));
    assertThat(fine.noneRepeated()).isFalse();

    // Two NULL keys are one group for the SQL pass.
    SeenKeys nulls = SeenKeys.forKey(COLUMNS, List.of("id"));
    nulls.add(row(null, "a"));
    assertThat(nulls.noneRepeated()).isFalse();

    // A lone surrogate is sent as '?', so it equals a real '?'.
    SeenKeys text = SeenKeys.forKey(COLUMNS, List.of("name"));
    text.add(row(1L, "a\uD800"));
    text.add(row(2L, "a?"));
    assertThat(text.noneRepeated()).isFalse();

    SeenKeys days = SeenKeys.forKey(COLUMNS, List.of("day"));
    days.add(with(4, LocalDate.of(2026, 11, 29)));
    days.add(with(4, LocalDate.of(2026, 11, 30)));
    assertThat(days.noneRepeated()).isTrue();
  }

  @Test
  void key_types_whose_stage_values_round_are_never_filtered() {
    // numeric(12,2) makes 1.001 and 1.004 equal; varchar(2) cuts trailing spaces; real rounds.
    assertThat(SeenKeys.forKey(COLUMNS, List.of("amount"))).isNull();
    assertThat(SeenKeys.forKey(COLUMNS, List.of("id", "code"))).isNull();
    assertThat(SeenKeys.forKey(COLUMNS, List.of("missing"))).isNull();
    assertThat(SeenKeys.forKey(COLUMNS, List.of())).isNull();
  }

  @Test
  void a_value_of_another_java_type_than_its_column_counts_as_a_possible_repeat() {
    SeenKeys seen = SeenKeys.forKey(COLUMNS, List.of("id"));
    seen.add(row(1L, "a"));
    seen.add(new Object[] {"1", "b", null, null, null, null});
    assertThat(seen.noneRepeated()).isFalse();

    SeenKeys local = SeenKeys.forKey(COLUMNS, List.of("at"));
    local.add(with(3, LocalDateTime.of(2026, 1, 1, 0, 0)));
    assertThat(local.noneRepeated()).isFalse();
  }

  @Test
  void a_full_filter_gives_false_positives_never_a_false_certainty() {
    // One 256-bit block: after a few dozen distinct keys every new one "may" have been seen.
    SeenKeys tiny = SeenKeys.forKey(COLUMNS, List.of("id"), 32);
    for (long id = 1000; id >= 1; id--) {
      tiny.add(row(id, "n"));
    }
    assertThat(tiny.noneRepeated()).isFalse();
  }

  @Test
  void reset_starts_a_new_batch_small_or_large_and_forget_makes_it_uncertain() {
    SeenKeys seen = SeenKeys.forKey(COLUMNS, List.of("id"), 1 << 20);
    for (int batch = 0; batch < 3; batch++) {
      // 10 keys (cleared block by block), then 5,000 (cleared whole)
      long n = batch == 1 ? 5_000 : 10;
      for (long id = n; id >= 1; id--) {
        seen.add(row(id, "n"));
      }
      assertThat(seen.noneRepeated()).as("batch %d", batch).isTrue();
      seen.add(row(1L, "again"));
      assertThat(seen.noneRepeated()).isFalse();
      seen.reset();
    }
    seen.add(row(1L, "n"));
    assertThat(seen.noneRepeated()).isTrue();
    seen.forget();
    assertThat(seen.noneRepeated()).isFalse();
  }

  private static Object[] row(Long id, String name) {
    return new Object[] {id, name, new BigDecimal("1.00"), null, null, "ab"};
  }

  private static Object[] with(int index, Object value) {
    Object[] row = row(1L, "n");
    row[index] = value;
    return row;
  }
}
