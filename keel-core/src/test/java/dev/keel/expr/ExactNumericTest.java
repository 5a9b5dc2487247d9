package dev.keel.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** A numeric value that passes through an expression keeps its exact value or is rejected. */
class ExactNumericTest {
  private static final BigInteger MAX_38 = BigInteger.TEN.pow(38).subtract(BigInteger.ONE);

  private static ExpressionCompiler compiler(String numericType) {
    return new ExpressionCompiler(
        List.of(
            new Column("id", ColumnType.parse("bigint")),
            new Column("n", ColumnType.parse(numericType)),
            new Column("m", ColumnType.parse(numericType)),
            new Column("r", ColumnType.parse("double precision"))));
  }

  private static Object[] row(BigDecimal n) {
    return new Object[] {1L, n, null, null};
  }

  @Provide
  Arbitrary<BigDecimal> numeric38() {
    return Arbitraries.integers()
        .between(0, 38)
        .flatMap(
            scale ->
                Arbitraries.bigIntegers()
                    .between(MAX_38.negate(), MAX_38)
                    .map(u -> new BigDecimal(u, scale)));
  }

  @Property(tries = 300)
  void numeric_38_values_pass_through_identity_like_expressions_exactly(
      @ForAll("numeric38") BigDecimal n) {
    String type = "numeric(38," + n.scale() + ")";
    ExpressionCompiler compiler = compiler(type);
    ColumnType target = ColumnType.parse(type);
    for (String source :
        List.of(
            "n", "coalesce(n, 0.0)", "coalesce(m, n)", "n != null ? n : 0.0", "id > 0 ? n : m")) {
      Object stored = compiler.compileValue(source, target).evaluate(row(n));
      assertThat(stored).as(source).isEqualTo(n);
    }
  }

  @Property(tries = 100)
  void coalesce_of_a_null_numeric_gives_the_literal_at_the_column_scale(
      @ForAll @IntRange(min = 0, max = 38) int scale) {
    String type = "numeric(38," + scale + ")";
    Object stored =
        compiler(type).compileValue("coalesce(n, 0.0)", ColumnType.parse(type)).evaluate(row(null));
    assertThat(stored).isEqualTo(BigDecimal.ZERO.setScale(scale));
  }

  @Test
  void the_issue_reproduction_is_stored_exactly() {
    BigDecimal n = new BigDecimal("1234567890123456789.12");
    Expression value =
        compiler("numeric(30,2)")
            .compileValue("coalesce(n, 0.0)", ColumnType.parse("numeric(30,2)"));

    assertThat(value.evaluate(row(n))).isEqualTo(n);
  }

  @Test
  void a_third_into_two_decimal_places_is_rejected_not_rounded() {
    Expression value =
        compiler("numeric(30,2)").compileValue("n / 3.0", ColumnType.parse("numeric(30,2)"));

    assertThatThrownBy(() -> value.evaluate(row(new BigDecimal("1.00"))))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("expression 'n / 3.0'")
        .hasMessageContaining("0.3333333333333333 does not fit numeric(30,2) exactly");
    assertThat(value.evaluate(row(new BigDecimal("0.99")))).isEqualTo(new BigDecimal("0.33"));
  }

  @Test
  void a_computed_result_that_needs_every_digit_of_double_is_rejected_even_with_room_for_it() {
    Expression value =
        compiler("numeric(38,30)").compileValue("n / 3.0", ColumnType.parse("numeric(38,30)"));

    assertThatThrownBy(() -> value.evaluate(row(new BigDecimal("1"))))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("more than the 15 significant digits");
  }

  @Test
  void binary_noise_in_the_last_digits_of_a_double_is_not_a_rounding() {
    Expression value =
        compiler("numeric(10,2)").compileValue("n * 1.1", ColumnType.parse("numeric(10,2)"));

    assertThat(value.evaluate(row(new BigDecimal("10.00")))).isEqualTo(new BigDecimal("11.00"));
    assertThat(
            compiler("numeric(10,2)")
                .compileValue("n + 0.2", ColumnType.parse("numeric(10,2)"))
                .evaluate(row(new BigDecimal("0.1"))))
        .isEqualTo(new BigDecimal("0.30"));
  }

  @Test
  void a_computed_result_beyond_two_to_the_53_is_rejected() {
    Expression value =
        compiler("numeric(30,2)").compileValue("n * 10.0", ColumnType.parse("numeric(30,2)"));

    assertThat(value.evaluate(row(new BigDecimal("100000000000000"))))
        .isEqualTo(new BigDecimal("1000000000000000.00"));
    assertThatThrownBy(() -> value.evaluate(row(new BigDecimal("1000000000000000"))))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("2^53");
  }

  @Test
  void a_numeric_input_beyond_15_digits_is_not_computed_with() {
    BigDecimal big = new BigDecimal("1234567890123456789.12");
    ExpressionCompiler compiler = compiler("numeric(30,2)");

    assertThatThrownBy(
            () ->
                compiler
                    .compileValue("n + 1.0", ColumnType.parse("numeric(30,2)"))
                    .evaluate(row(big)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("column 'n' holds 1234567890123456789.12, 21 significant digits");
    assertThatThrownBy(
            () -> compiler.compilePredicate("n > 1234567890123456789.0").evaluate(row(big)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("column 'n' holds");
    assertThat(compiler.compilePredicate("n != null").evaluate(row(big))).isEqualTo(true);
    assertThat(
            compiler.compilePredicate("n > 1.0").evaluate(row(new BigDecimal("12345678901234.5"))))
        .isEqualTo(true);
  }

  @Test
  void two_values_equal_only_as_doubles_are_not_guessed_between() {
    ExpressionCompiler compiler = compiler("numeric(30,2)");
    Expression value = compiler.compileValue("id > 0 ? n : m", ColumnType.parse("numeric(30,2)"));
    Object[] row = {
      1L, new BigDecimal("1234567890123456789.12"), new BigDecimal("1234567890123456789.13"), null
    };

    assertThatThrownBy(() -> value.evaluate(row))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("instead of guessing");
  }

  @Test
  void a_pass_through_value_with_more_places_than_the_target_is_rejected() {
    Expression value =
        compiler("numeric(30,4)").compileValue("n", ColumnType.parse("numeric(30,2)"));

    assertThat(value.evaluate(row(new BigDecimal("1.2300")))).isEqualTo(new BigDecimal("1.23"));
    assertThatThrownBy(() -> value.evaluate(row(new BigDecimal("1.2345"))))
        .hasMessageContaining("1.2345 does not fit numeric(30,2) exactly");
  }
}
