package dev.keel.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written checks of integral and decimal text accept exactly what their regular
 * expressions accept, and numeric's shortcut for values that fit gives what the full check gives.
 */
class NumberFormsTest {
  private static final String ALPHABET = "0123456789+-.eE x٣";

  @Test
  void hand_written_forms_accept_exactly_what_the_patterns_accept() {
    Random random = new Random(17);
    for (int n = 0; n < 200_000; n++) {
      int length = random.nextInt(8);
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < length; i++) {
        s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String t = s.toString();
      assertThat(Coercion.isIntegral(t))
          .as("integral %s", t)
          .isEqualTo(Coercion.INTEGRAL.matcher(t).matches());
      assertThat(Coercion.isDecimal(t))
          .as("decimal %s", t)
          .isEqualTo(Coercion.DECIMAL.matcher(t).matches());
    }
  }

  @Test
  void numeric_values_that_fit_keep_the_column_scale_and_others_are_checked_as_before() {
    ColumnType money = ColumnType.parse("numeric(12,2)");
    assertThat(Coercion.fromText("123.45", money, null)).isEqualTo(new BigDecimal("123.45"));
    assertThat(Coercion.fromText("7", money, null)).isEqualTo(new BigDecimal("7.00"));
    assertThat(Coercion.fromText("1.5", money, null)).isEqualTo(new BigDecimal("1.50"));
    assertThat(Coercion.fromText("1.500", money, null)).isEqualTo(new BigDecimal("1.50"));
    assertThat(Coercion.fromText("1E+2", money, null)).isEqualTo(new BigDecimal("100.00"));
    assertThat(Coercion.fromText("-0.00", money, null)).isEqualTo(new BigDecimal("0.00"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Coercion.fromText("1.234", money, null))
        .hasMessageContaining("has 3 decimal places");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Coercion.fromText("12345678901.5", money, null))
        .hasMessageContaining("has 11 digits before the decimal point");
  }
}
