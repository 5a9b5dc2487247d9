package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

  @Test
  void lower_case_ascii_names_are_accepted() {
    assertThat(Identifiers.problem("orders")).isNull();
    assertThat(Identifiers.problem("order_lines_2")).isNull();
    assertThat(Identifiers.problem("_private")).isNull();
    assertThat(Identifiers.problem("a".repeat(63))).isNull();
  }

  @Test
  void a_reserved_word_is_refused_whatever_its_case() {
    assertThat(Identifiers.problem("select"))
        .isEqualTo("'select' is a reserved SQL word; choose another name");
    assertThat(Identifiers.problem("SELECT"))
        .isEqualTo("'SELECT' is a reserved SQL word; choose another name");
    assertThat(Identifiers.problem("user")).contains("reserved");
  }

  @Test
  void a_column_may_be_a_reserved_sql_word_but_not_a_word_of_the_expression_language() {
    assertThat(Identifiers.columnProblem("order")).isNull();
    assertThat(Identifiers.columnProblem("user")).isNull();
    assertThat(Identifiers.columnProblem("select")).isNull();
    assertThat(Identifiers.quote("order")).isEqualTo("\"order\"");
    assertThat(Identifiers.columnProblem("in"))
        .contains("reserved word of the expression language");
    assertThat(Identifiers.columnProblem("ORDER")).contains("write 'order'");
  }

  @Test
  void a_mixed_case_name_is_refused_with_the_lower_case_spelling_to_write() {
    assertThat(Identifiers.problem("Amount"))
        .isEqualTo(
            "'Amount' has upper-case letters, which PostgreSQL folds to lower case; write 'amount'");
  }

  @Test
  void a_name_with_accents_or_other_scripts_is_refused_as_not_ascii() {
    assertThat(Identifiers.problem("montant_\u00e9")).contains("only ASCII letters");
    assertThat(Identifiers.problem("\u0437\u0430\u043a\u0430\u0437"))
        .contains("only ASCII letters");
  }

  @Test
  void a_name_over_63_bytes_is_refused_because_postgresql_would_truncate_it() {
    assertThat(Identifiers.problem("a".repeat(64)))
        .contains("is longer than 63 bytes (PostgreSQL would truncate it); choose a shorter name");
    // 32 two-byte letters: 32 characters, 64 bytes
    assertThat(Identifiers.problem("\u00e9".repeat(32))).contains("longer than 63 bytes");
  }

  @Test
  void an_injection_attempt_is_refused_and_never_quoted() {
    String evil = "x\"; DROP TABLE y;--";

    assertThat(Identifiers.problem(evil))
        .isEqualTo(
            "'x\"; DROP TABLE y;--' is not a valid identifier: use lower-case letters, digits and"
                + " underscores, starting with a letter or underscore");
    assertThatThrownBy(() -> Identifiers.quote(evil)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void control_characters_are_shown_as_question_marks_and_long_names_abbreviated() {
    assertThat(Identifiers.problem("a\nb")).startsWith("'a?b' is not a valid identifier");
    assertThat(Identifiers.problem("A".repeat(50) + "-")).doesNotContain("\n");
  }

  @Test
  void empty_and_digit_first_names_are_refused() {
    assertThat(Identifiers.problem("")).isEqualTo("an identifier must not be empty");
    assertThat(Identifiers.problem("1st")).contains("starting with a letter or underscore");
  }

  @Test
  void quote_wraps_a_valid_name_in_double_quotes() {
    assertThat(Identifiers.quote("orders")).isEqualTo("\"orders\"");
  }
}
