package dev.keel.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.BigRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

class CoercionPropertiesTest {

  @Property
  void any_long_round_trips_through_bigint(@ForAll long value) {
    assertThat(Coercion.fromText(Long.toString(value), ColumnType.parse("bigint"), ZoneOffset.UTC))
        .isEqualTo(value);
  }

  @Property
  void any_long_outside_the_int_range_is_rejected_by_integer(@ForAll long value) {
    ColumnType integer = ColumnType.parse("integer");
    if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
      assertThat(Coercion.fromText(Long.toString(value), integer, ZoneOffset.UTC)).isEqualTo(value);
    } else {
      assertThatThrownBy(() -> Coercion.fromText(Long.toString(value), integer, ZoneOffset.UTC))
          .isInstanceOf(CoercionException.class);
    }
  }

  @Property
  void any_two_place_decimal_round_trips_through_numeric_12_2(
      @ForAll @Scale(2) @BigRange(min = "-9999999999.99", max = "9999999999.99") BigDecimal value) {
    Object parsed =
        Coercion.fromText(value.toPlainString(), ColumnType.parse("numeric(12,2)"), ZoneOffset.UTC);
    assertThat(parsed).isEqualTo(value.setScale(2));
  }

  @Property
  void any_finite_double_round_trips_through_double_precision(@ForAll double value) {
    Object parsed =
        Coercion.fromText(
            Double.toString(value), ColumnType.parse("double precision"), ZoneOffset.UTC);
    assertThat(parsed).isEqualTo(value);
  }

  @Property
  void any_date_round_trips_through_its_iso_form(
      @ForAll @IntRange(min = -100_000, max = 2_900_000) int epochDay) {
    LocalDate date = LocalDate.ofEpochDay(epochDay);
    assertThat(Coercion.fromText(date.toString(), ColumnType.parse("date"), ZoneOffset.UTC))
        .isEqualTo(date);
  }
}
