package dev.keel.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CoercionTest {
  private static final ZoneId UTC = ZoneOffset.UTC;
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

  private static Object coerce(String text, String type) {
    return Coercion.fromText(text, ColumnType.parse(type), UTC);
  }

  private static Object coerce(String text, String type, ZoneId zone) {
    return Coercion.fromText(text, ColumnType.parse(type), zone);
  }

  @Test
  void null_stays_null_for_every_type() {
    for (ColumnType.Kind kind : ColumnType.Kind.values()) {
      ColumnType type =
          kind == ColumnType.Kind.VARCHAR ? ColumnType.parse("varchar(3)") : ColumnType.of(kind);
      assertThat(Coercion.fromText(null, type, UTC)).as(kind.name()).isNull();
    }
  }

  @Test
  void integers_are_trimmed_and_become_longs() {
    assertThat(coerce(" 42 ", "bigint")).isEqualTo(42L);
    assertThat(coerce("-7", "integer")).isEqualTo(-7L);
    assertThat(coerce("+32767", "smallint")).isEqualTo(32767L);
  }

  @Test
  void a_word_is_not_a_bigint() {
    assertThatThrownBy(() -> coerce("abc", "bigint"))
        .isInstanceOf(CoercionException.class)
        .hasMessage("'abc' is not a bigint");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e3", "1.0", "", "0x10", "1_000", "١٢"})
  void integers_with_fractions_exponents_or_other_digits_are_rejected(String text) {
    assertThatThrownBy(() -> coerce(text, "integer")).isInstanceOf(CoercionException.class);
  }

  @Test
  void integer_overflow_is_rejected_per_kind() {
    assertThatThrownBy(() -> coerce("32768", "smallint"))
        .hasMessageContaining("out of range for smallint");
    assertThatThrownBy(() -> coerce("2147483648", "integer"))
        .hasMessageContaining("out of range for integer");
    assertThatThrownBy(() -> coerce("9223372036854775808", "bigint"))
        .hasMessageContaining("out of range for bigint");
    assertThat(coerce("-9223372036854775808", "bigint")).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void numeric_keeps_exact_digits_at_the_declared_scale() {
    assertThat(coerce("12.3", "numeric(12,2)")).isEqualTo(new BigDecimal("12.30"));
    assertThat(coerce("12.340", "numeric(12,2)")).isEqualTo(new BigDecimal("12.34"));
    assertThat(coerce("1.5e2", "numeric(12,2)")).isEqualTo(new BigDecimal("150.00"));
    assertThat(coerce("123456789012345678901234567890.123456789", "numeric"))
        .isEqualTo(new BigDecimal("123456789012345678901234567890.123456789"));
  }

  @Test
  void numeric_rejects_more_decimal_places_than_the_scale_instead_of_rounding() {
    assertThatThrownBy(() -> coerce("12.345", "numeric(12,2)"))
        .hasMessage("'12.345' has 3 decimal places, numeric(12,2) allows 2");
  }

  @Test
  void numeric_rejects_more_integer_digits_than_precision_minus_scale() {
    assertThat(coerce("9999999999.99", "numeric(12,2)")).isEqualTo(new BigDecimal("9999999999.99"));
    assertThatThrownBy(() -> coerce("10000000000", "numeric(12,2)"))
        .hasMessageContaining("11 digits before the decimal point, numeric(12,2) allows 10");
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "inf", "abc", "1,5"})
  void numeric_rejects_nan_infinity_and_words(String text) {
    assertThatThrownBy(() -> coerce(text, "numeric(12,2)")).isInstanceOf(CoercionException.class);
  }

  @Test
  void doubles_accept_nan_and_infinities() {
    assertThat((Double) coerce("NaN", "double precision")).isNaN();
    assertThat(coerce("Infinity", "double")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(coerce("-Infinity", "real")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(coerce("1.5E3", "double")).isEqualTo(1500.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "1d", "0x1p3", "1e999", ""})
  void doubles_reject_unparsable_text_and_overflow(String text) {
    assertThatThrownBy(() -> coerce(text, "double")).isInstanceOf(CoercionException.class);
  }

  @Test
  void real_rejects_a_value_only_a_double_can_hold() {
    assertThatThrownBy(() -> coerce("1e39", "real")).hasMessageContaining("out of range for real");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e-46", "-1e-46", "0.0000000000000000000000000000000000000000000001"})
  void real_rejects_a_non_zero_value_that_would_become_zero(String text) {
    assertThatThrownBy(() -> coerce(text, "real"))
        .hasMessageContaining("out of range for real (too small");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e-400", "-2e-324", "1e-2147483648"})
  void double_rejects_a_non_zero_value_that_would_become_zero(String text) {
    assertThatThrownBy(() -> coerce(text, "double precision")).hasMessageContaining("(too small");
  }

  @Test
  void zeros_and_subnormals_are_kept() {
    assertThat(coerce("0e-999", "real")).isEqualTo(0.0);
    assertThat(coerce("-0.000", "double")).isEqualTo(-0.0);
    assertThat(coerce("1e-45", "real")).isEqualTo(1e-45);
    assertThat(coerce("4.9e-324", "double")).isEqualTo(Double.MIN_VALUE);
    assertThat(coerce("3.4028235e38", "real")).isEqualTo(3.4028235e38);
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "TRUE", "t", "Yes", "y", "1", "on", " On "})
  void booleans_spelled_as_true(String text) {
    assertThat(coerce(text, "boolean")).isEqualTo(true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"false", "F", "no", "N", "0", "off"})
  void booleans_spelled_as_false(String text) {
    assertThat(coerce(text, "boolean")).isEqualTo(false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"maybe", "2", "ja", "", "-1"})
  void other_boolean_spellings_are_rejected(String text) {
    assertThatThrownBy(() -> coerce(text, "boolean")).hasMessageContaining("is not a boolean");
  }

  @Test
  void dates_are_strict_iso() {
    assertThat(coerce("2024-02-29", "date")).isEqualTo(LocalDate.of(2024, 2, 29));
    assertThatThrownBy(() -> coerce("2026-02-29", "date"))
        .hasMessage("'2026-02-29' is not a valid date (yyyy-mm-dd)");
    assertThatThrownBy(() -> coerce("2026-13-01", "date")).hasMessageContaining("not a valid date");
    assertThatThrownBy(() -> coerce("2026-04-31", "date")).hasMessageContaining("not a valid date");
  }

  @Test
  void slashed_dates_are_rejected_as_ambiguous() {
    assertThatThrownBy(() -> coerce("01/02/03", "date"))
        .hasMessageContaining("ambiguous")
        .hasMessageContaining("yyyy-mm-dd");
  }

  @Test
  void timestamps_accept_t_or_space_and_fractions() {
    assertThat(coerce("2026-01-02T03:04:05", "timestamp"))
        .isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
    assertThat(coerce("2026-01-02 03:04:05.123456", "timestamp"))
        .isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5, 123_456_000));
    assertThat(coerce("2026-01-02 03:04", "timestamp"))
        .isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4));
    assertThatThrownBy(() -> coerce("2026-01-02 25:00:00", "timestamp"))
        .isInstanceOf(CoercionException.class);
    assertThatThrownBy(() -> coerce("2026-01-02T03:04:05Z", "timestamp"))
        .hasMessageContaining("timestamptz");
  }

  @Test
  void timestamptz_with_an_offset_is_normalised_to_utc() {
    OffsetDateTime expected = OffsetDateTime.of(2026, 1, 2, 2, 4, 5, 0, ZoneOffset.UTC);
    assertThat(coerce("2026-01-02T03:04:05+01:00", "timestamptz")).isEqualTo(expected);
    assertThat(coerce("2026-01-02 03:04:05+0100", "timestamptz")).isEqualTo(expected);
    assertThat(coerce("2026-01-02 03:04:05+01", "timestamptz")).isEqualTo(expected);
    assertThat(coerce("2026-01-02T02:04:05Z", "timestamptz")).isEqualTo(expected);
  }

  @Test
  void timestamptz_without_an_offset_is_read_in_the_source_zone() {
    assertThat(coerce("2026-07-01 12:00:00", "timestamptz", PARIS))
        .isEqualTo(OffsetDateTime.of(2026, 7, 1, 10, 0, 0, 0, ZoneOffset.UTC));
    assertThat(coerce("2026-07-01 12:00:00", "timestamptz", UTC))
        .isEqualTo(OffsetDateTime.of(2026, 7, 1, 12, 0, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void a_local_time_in_a_daylight_saving_gap_is_rejected() {
    assertThatThrownBy(() -> coerce("2026-03-29 02:30:00", "timestamptz", PARIS))
        .hasMessageContaining("does not exist in Europe/Paris");
  }

  @Test
  void a_local_time_in_a_daylight_saving_overlap_is_rejected_as_ambiguous() {
    assertThatThrownBy(() -> coerce("2026-10-25 02:30:00", "timestamptz", PARIS))
        .hasMessageContaining("ambiguous in Europe/Paris");
    assertThat(coerce("2026-10-25 02:30:00+02:00", "timestamptz", PARIS))
        .isEqualTo(OffsetDateTime.of(2026, 10, 25, 0, 30, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void text_is_kept_as_is_including_the_word_null_and_spaces() {
    assertThat(coerce(" NULL ", "text")).isEqualTo(" NULL ");
    assertThat(coerce("", "text")).isEqualTo("");
  }

  @Test
  void text_with_a_nul_character_is_rejected() {
    assertThatThrownBy(() -> coerce("a\u0000b", "text")).hasMessageContaining("NUL");
  }

  @Test
  void a_valid_replacement_character_is_ordinary_text() {
    assertThat(coerce("caf\uFFFD", "text")).isEqualTo("caf\uFFFD");
    assertThat(coerce("\uFFFD", "varchar(1)")).isEqualTo("\uFFFD");
  }

  @Test
  void text_with_the_mark_of_malformed_bytes_asks_for_an_encoding() {
    assertThatThrownBy(() -> coerce("caf" + Coercion.MALFORMED, "text"))
        .hasMessageContaining("not valid in the source's encoding at character 4")
        .hasMessageContaining("encoding:");
  }

  @Test
  void a_lone_surrogate_is_rejected_and_a_pair_is_kept() {
    assertThatThrownBy(() -> coerce("a\uD800", "text"))
        .hasMessageContaining("lone UTF-16 surrogate (\\ud800) at character 2");
    assertThatThrownBy(() -> coerce("\uDC00b", "varchar(5)"))
        .hasMessageContaining("lone UTF-16 surrogate");
    assertThat(coerce("\uD83D\uDE00", "text")).isEqualTo("\uD83D\uDE00");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0000-01-01", "0000-12-31"})
  void a_date_in_year_zero_is_rejected(String text) {
    assertThatThrownBy(() -> coerce(text, "date"))
        .hasMessageContaining("outside the years 1 to 9999")
        .hasMessageContaining("1 BC");
    assertThat(coerce("0001-01-01", "date")).isEqualTo(LocalDate.of(1, 1, 1));
    assertThat(coerce("9999-12-31", "date")).isEqualTo(LocalDate.of(9999, 12, 31));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-0001-01-01T00:00:00", "0000-01-01T00:00:00", "+10000-01-01T00:00:00"})
  void a_timestamp_outside_years_1_to_9999_is_rejected(String text) {
    assertThatThrownBy(() -> coerce(text, "timestamp"))
        .hasMessageContaining("outside the years 1 to 9999");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-4713-11-24T00:00:00Z",
        "0000-06-01 00:00:00Z",
        "0001-01-01T00:30:00+01:00",
        "+10000-01-01T00:00:00Z"
      })
  void a_timestamptz_outside_years_1_to_9999_in_utc_is_rejected(String text) {
    assertThatThrownBy(() -> coerce(text, "timestamptz"))
        .hasMessageContaining("outside the years 1 to 9999");
  }

  @Test
  void sub_microsecond_digits_are_rejected_unless_zero() {
    assertThatThrownBy(() -> coerce("2026-01-02T23:59:59.9999995Z", "timestamptz"))
        .hasMessageContaining("finer than microseconds");
    assertThatThrownBy(() -> coerce("2026-01-02 23:59:59.9999995", "timestamp"))
        .hasMessageContaining("finer than microseconds");
    assertThatThrownBy(() -> coerce("2026-01-02 23:59:59.1234561+02:00", "timestamptz"))
        .hasMessageContaining("finer than microseconds");
    assertThat(coerce("2026-01-02T23:59:59.999999000Z", "timestamptz"))
        .isEqualTo(OffsetDateTime.of(2026, 1, 2, 23, 59, 59, 999_999_000, ZoneOffset.UTC));
  }

  @Test
  void varchar_counts_characters_not_bytes() {
    assertThat(coerce("ééé", "varchar(3)")).isEqualTo("ééé");
    assertThat(coerce("\uD83D\uDE00\uD83D\uDE00", "varchar(2)"))
        .isEqualTo("\uD83D\uDE00\uD83D\uDE00");
    assertThatThrownBy(() -> coerce("abcd", "varchar(3)"))
        .hasMessageContaining("4 characters, varchar(3) allows 3");
  }

  @Test
  void long_values_are_shortened_in_messages() {
    String huge = "x".repeat(10_000);
    assertThatThrownBy(() -> coerce(huge, "bigint")).message().hasSizeLessThan(200);
  }
}
