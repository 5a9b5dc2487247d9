package dev.keel.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.ColumnType.Kind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpressionCompilerTest {
  private static final List<Column> COLUMNS =
      List.of(
          new Column("id", ColumnType.of(Kind.BIGINT)),
          new Column("customer", ColumnType.of(Kind.TEXT)),
          new Column("amount", ColumnType.parse("numeric(10,2)")),
          new Column("qty", ColumnType.of(Kind.INTEGER)),
          new Column("active", ColumnType.of(Kind.BOOLEAN)),
          new Column("ordered_on", ColumnType.of(Kind.DATE)),
          new Column("paid_at", ColumnType.of(Kind.TIMESTAMPTZ)));

  private final ExpressionCompiler compiler = new ExpressionCompiler(COLUMNS);

  private static Object[] row(Object id, String customer, String amount, Object qty) {
    return new Object[] {
      id,
      customer,
      amount == null ? null : new BigDecimal(amount),
      qty,
      true,
      LocalDate.of(2024, 5, 17),
      OffsetDateTime.of(2024, 5, 17, 10, 30, 0, 0, ZoneOffset.UTC)
    };
  }

  private static Object[] order() {
    return row(1L, "acme", "12.50", 3L);
  }

  @Test
  void filter_keeps_rows_where_amount_is_positive() {
    Expression filter = compiler.compilePredicate("amount > 0");

    assertThat(filter.evaluate(row(1L, "a", "12.50", 1L))).isEqualTo(true);
    assertThat(filter.evaluate(row(2L, "b", "-3.00", 1L))).isEqualTo(false);
    assertThat(filter.evaluate(row(3L, "c", "0", 1L))).isEqualTo(false);
    assertThat(filter.source()).isEqualTo("amount > 0");
  }

  @Test
  void int_and_double_compare_with_each_other() {
    assertThat(compiler.compilePredicate("amount == 12").evaluate(row(1L, "a", "12.00", 1L)))
        .isEqualTo(true);
    assertThat(compiler.compilePredicate("amount != 12").evaluate(row(1L, "a", "12.50", 1L)))
        .isEqualTo(true);
    assertThat(compiler.compilePredicate("qty < 2.5").evaluate(row(1L, "a", "1", 2L)))
        .isEqualTo(true);
    assertThat(compiler.compilePredicate("amount == null").evaluate(row(1L, "a", null, 1L)))
        .isEqualTo(true);
  }

  @Test
  void unknown_column_is_reported_with_its_position() {
    assertThatThrownBy(() -> compiler.compilePredicate("id > 1 && amout > 0"))
        .isInstanceOfSatisfying(
            ExpressionException.class, e -> assertThat(e.column()).isEqualTo(11))
        .hasMessageContaining("unknown column 'amout'")
        .hasMessageContaining("(columns: id, customer, amount, qty, active, ordered_on, paid_at)");
  }

  @Test
  void unknown_function_is_reported_as_a_function() {
    assertThatThrownBy(() -> compiler.compilePredicate("id > 1 && shout(customer) == 'X'"))
        .isInstanceOfSatisfying(
            ExpressionException.class, e -> assertThat(e.column()).isEqualTo(11))
        .hasMessageContaining("unknown function 'shout'")
        .hasMessageContaining("upper, lower, trim, length, coalesce");
  }

  @Test
  void syntax_error_is_reported_with_its_position() {
    assertThatThrownBy(() -> compiler.compilePredicate("amount > "))
        .isInstanceOfSatisfying(
            ExpressionException.class, e -> assertThat(e.column()).isEqualTo(10))
        .hasMessageContaining("'amount > '")
        .hasMessageContaining("column 10");
  }

  @Test
  void type_error_names_the_types_as_written() {
    assertThatThrownBy(() -> compiler.compileValue("amount + qty", ColumnType.of(Kind.DOUBLE)))
        .isInstanceOfSatisfying(ExpressionException.class, e -> assertThat(e.column()).isEqualTo(8))
        .hasMessageContaining("'+' applied to '(double, int)'")
        .hasMessageNotContaining("wrapper");
  }

  @Test
  void non_boolean_filter_is_refused() {
    assertThatThrownBy(() -> compiler.compilePredicate("qty + 1"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("must be true/false, got int");
  }

  @Test
  void boolean_column_alone_is_a_predicate() {
    Expression filter = compiler.compilePredicate("active");
    Object[] inactive = order();
    inactive[4] = false;

    assertThat(filter.evaluate(order())).isEqualTo(true);
    assertThat(filter.evaluate(inactive)).isEqualTo(false);
  }

  @Test
  void upper_changes_case() {
    Expression value = compiler.compileValue("upper(customer)", ColumnType.of(Kind.TEXT));

    assertThat(value.evaluate(row(1L, "Acme Ltd", "1", 1L))).isEqualTo("ACME LTD");
  }

  @Test
  void lower_trim_and_length_work_on_text() {
    assertThat(
            compiler
                .compileValue("lower(trim(customer))", ColumnType.of(Kind.TEXT))
                .evaluate(row(1L, "  MiXed ", "1", 1L)))
        .isEqualTo("mixed");
    assertThat(
            compiler
                .compileValue("length(customer)", ColumnType.of(Kind.INTEGER))
                .evaluate(row(1L, "héllo", "1", 1L)))
        .isEqualTo(5L);
  }

  @Test
  void standard_and_string_extension_functions_are_available() {
    Object[] r = row(1L, "acme-north", "1", 1L);

    assertThat(
            compiler
                .compilePredicate("customer.startsWith('acme') && customer.contains('-')")
                .evaluate(r))
        .isEqualTo(true);
    assertThat(compiler.compilePredicate("customer.matches('^[a-z]+-north$')").evaluate(r))
        .isEqualTo(true);
    assertThat(
            compiler
                .compileValue("customer.replace('-', ' ')", ColumnType.of(Kind.TEXT))
                .evaluate(r))
        .isEqualTo("acme north");
    assertThat(compiler.compilePredicate("size(customer) == 10").evaluate(r)).isEqualTo(true);
  }

  @Test
  void coalesce_replaces_a_null_value() {
    Expression text =
        compiler.compileValue("coalesce(customer, 'unknown')", ColumnType.of(Kind.TEXT));
    Expression number = compiler.compileValue("coalesce(qty, 0) + 1", ColumnType.of(Kind.INTEGER));

    assertThat(text.evaluate(row(1L, null, "1", 1L))).isEqualTo("unknown");
    assertThat(text.evaluate(row(1L, "acme", "1", 1L))).isEqualTo("acme");
    assertThat(number.evaluate(row(1L, "a", "1", null))).isEqualTo(1L);
    assertThat(number.evaluate(row(1L, "a", "1", 4L))).isEqualTo(5L);
  }

  @Test
  void null_checks_work_on_every_kind_of_column() {
    Object[] allNull = new Object[COLUMNS.size()];

    for (Column column : COLUMNS) {
      assertThat(compiler.compilePredicate(column.name() + " == null").evaluate(allNull))
          .as(column.name())
          .isEqualTo(true);
      assertThat(compiler.compilePredicate(column.name() + " != null").evaluate(order()))
          .as(column.name())
          .isEqualTo(true);
    }
  }

  @Test
  void null_value_in_comparison_does_not_crash() {
    Expression filter = compiler.compilePredicate("amount > 0");
    Expression guarded = compiler.compilePredicate("amount == null || amount > 0");

    assertThat(filter.evaluate(row(1L, "a", null, 1L))).isEqualTo(false);
    assertThat(guarded.evaluate(row(1L, "a", null, 1L))).isEqualTo(true);
  }

  @Test
  void function_of_a_null_value_is_null() {
    Expression value = compiler.compileValue("upper(customer)", ColumnType.of(Kind.TEXT));

    assertThat(value.evaluate(row(1L, null, "1", 1L))).isNull();
  }

  @Test
  void null_does_not_hide_a_real_failure_elsewhere() {
    Expression value =
        compiler.compileValue(
            "length(coalesce(customer, '')) + id / qty", ColumnType.of(Kind.BIGINT));

    assertThat(value.evaluate(row(6L, null, "1", 2L))).isEqualTo(3L);
    assertThatThrownBy(() -> value.evaluate(row(6L, null, "1", 0L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("by zero");
  }

  @Test
  void value_is_converted_to_numeric_scale() {
    Expression value = compiler.compileValue("amount * 1.1", ColumnType.parse("numeric(8,2)"));

    assertThat(value.evaluate(row(1L, "a", "10.00", 1L))).isEqualTo(new BigDecimal("11.00"));
  }

  @Test
  void int_result_is_exact_in_an_unconstrained_numeric() {
    Expression value = compiler.compileValue("id", ColumnType.parse("numeric"));

    assertThat(value.evaluate(row(9_007_199_254_740_993L, "a", "1", 1L)))
        .isEqualTo(new BigDecimal("9007199254740993"));
  }

  @Test
  void numeric_that_does_not_fit_its_precision_is_a_record_error() {
    Expression value = compiler.compileValue("amount * 1000.0", ColumnType.parse("numeric(5,2)"));

    assertThat(value.evaluate(row(1L, "a", "0.5", 1L))).isEqualTo(new BigDecimal("500.00"));
    assertThatThrownBy(() -> value.evaluate(row(1L, "a", "12.5", 1L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("amount * 1000.0")
        .hasMessageContaining("does not fit numeric(5,2)");
  }

  @Test
  void integer_overflow_into_smallint_is_a_record_error() {
    Expression value = compiler.compileValue("qty * 1000", ColumnType.of(Kind.SMALLINT));

    assertThat(value.evaluate(row(1L, "a", "1", 32L))).isEqualTo(32_000L);
    assertThatThrownBy(() -> value.evaluate(row(1L, "a", "1", 33L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("qty * 1000")
        .hasMessageContaining("between -32768 and 32767");
  }

  @Test
  void text_longer_than_its_varchar_is_a_record_error() {
    Expression value = compiler.compileValue("customer + '!'", ColumnType.parse("varchar(4)"));

    assertThat(value.evaluate(row(1L, "abc", "1", 1L))).isEqualTo("abc!");
    assertThatThrownBy(() -> value.evaluate(row(1L, "abcd", "1", 1L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("at most 4 characters");
  }

  @Test
  void division_by_zero_is_a_record_error_naming_the_expression() {
    Expression filter = compiler.compilePredicate("id / qty > 1");

    assertThatThrownBy(() -> filter.evaluate(row(10L, "a", "1", 0L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("'id / qty > 1'")
        .hasMessageContaining("at column 4")
        .hasMessageContaining("by zero");
  }

  @Test
  void long_overflow_is_a_record_error() {
    Expression value = compiler.compileValue("id + 1", ColumnType.of(Kind.BIGINT));

    assertThatThrownBy(() -> value.evaluate(row(Long.MAX_VALUE, "a", "1", 1L)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("overflow");
  }

  @Test
  void result_of_the_wrong_type_is_refused_at_compile_time() {
    assertThatThrownBy(() -> compiler.compileValue("amount * 2.0", ColumnType.of(Kind.INTEGER)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("gives double, but the column is integer")
        .hasMessageContaining("int(...)");
    assertThatThrownBy(() -> compiler.compileValue("qty", ColumnType.of(Kind.TEXT)))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("string(...)");
  }

  @Test
  void dates_and_timestamps_are_cel_timestamps_in_utc() {
    Object[] r = order();

    assertThat(
            compiler
                .compilePredicate("ordered_on >= timestamp('2024-05-01T00:00:00Z')")
                .evaluate(r))
        .isEqualTo(true);
    assertThat(
            compiler
                .compilePredicate("paid_at.getHours() == 10 && ordered_on.getFullYear() == 2024")
                .evaluate(r))
        .isEqualTo(true);
    assertThat(compiler.compileValue("paid_at", ColumnType.of(Kind.DATE)).evaluate(r))
        .isEqualTo(LocalDate.of(2024, 5, 17));
    assertThat(
            compiler
                .compileValue("ordered_on + duration('36h')", ColumnType.of(Kind.TIMESTAMP))
                .evaluate(r))
        .isEqualTo(LocalDateTime.of(2024, 5, 18, 12, 0));
    assertThat(compiler.compileValue("paid_at", ColumnType.of(Kind.TIMESTAMPTZ)).evaluate(r))
        .isEqualTo(OffsetDateTime.of(2024, 5, 17, 10, 30, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void expression_longer_than_the_limit_is_refused() {
    String tooLong = "id == 1" + " || id == 1".repeat(400);

    assertThatThrownBy(() -> compiler.compilePredicate(tooLong))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("the limit is 4000");
  }

  @Test
  void java_classes_are_not_reachable() {
    assertThatThrownBy(() -> compiler.compilePredicate("java.lang.Runtime.getRuntime() != null"))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("unknown");
  }

  @Test
  void a_compiled_expression_is_reused_across_records() {
    Expression filter = compiler.compilePredicate("customer.startsWith('a') && qty >= 2");

    for (long qty = 0; qty < 1_000; qty++) {
      assertThat(filter.evaluate(row(qty, "acme", "1", qty))).isEqualTo(qty >= 2);
    }
  }
}
