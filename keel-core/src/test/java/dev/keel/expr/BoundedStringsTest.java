package dev.keel.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** String-growing CEL functions are bounded before they allocate; their results are CEL's. */
class BoundedStringsTest {
  private final ExpressionCompiler compiler =
      new ExpressionCompiler(
          List.of(
              new Column("id", ColumnType.parse("bigint")),
              new Column("v", ColumnType.parse("text"))));

  private Object eval(String source, String v) {
    return compiler.compileValue(source, ColumnType.parse("text")).evaluate(new Object[] {1L, v});
  }

  @Test
  void replace_of_a_100_kb_value_by_itself_fails_the_record_before_allocating() {
    String v = "a".repeat(100_000);

    assertThatThrownBy(() -> eval("v.replace('a', v)", v))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("expression 'v.replace('a', v)'")
        .hasMessageContaining(
            "replace would make a string of 10000000000 characters; the limit is 16777216");
  }

  @Test
  void concatenation_and_join_are_bounded_too() {
    String v = "x".repeat(9_000_000);

    assertThatThrownBy(() -> eval("v + v", v))
        .hasMessageContaining("+ would make a string of 18000000 characters");
    assertThatThrownBy(() -> eval("v.split('').join(v)", "a".repeat(10_000)))
        .hasMessageContaining("join would make a string of");
  }

  @Test
  void the_rebound_functions_behave_like_cels() {
    assertThat(eval("v.replace('l', 'L')", "hello")).isEqualTo("heLLo");
    assertThat(eval("v.replace('l', 'L', 1)", "hello")).isEqualTo("heLlo");
    assertThat(eval("v.replace('l', 'L', 0)", "hello")).isEqualTo("hello");
    assertThat(eval("v.replace('', '_')", "hé😀")).isEqualTo("_h_é_😀_");
    assertThat(eval("v.replace('', '_', 2)", "hello")).isEqualTo("_h_ello");
    assertThat(eval("v.replace('aa', 'b')", "aaaaa")).isEqualTo("bba");
    assertThat(eval("v + '!'", "hi")).isEqualTo("hi!");
    assertThat(eval("v.split(',').join(';')", "a,b,c")).isEqualTo("a;b;c");
    assertThat(eval("v.split(',').join()", "a,b,c")).isEqualTo("abc");
    assertThat(eval("string(bytes(v) + bytes('!'))", "hi")).isEqualTo("hi!");
    assertThat(eval("upper(v).lowerAscii()", "Hi")).isEqualTo("hi");
  }
}
