package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values resolved by any SecretResolver are masked by value, in their URL-encoded forms too. */
class RedactorTest {

  @Test
  void a_resolved_value_is_masked_wherever_it_appears_whatever_the_parameter() {
    new SecretResolver(Map.of("SSL_PW", "ssl-Pw-4410")::get)
        .resolve("jdbc:postgresql://h/db?sslpassword=${env:SSL_PW}");

    assertThat(
            Redactor.mask(
                "cannot connect to jdbc:postgresql://h/db?sslpassword=ssl-Pw-4410&x=ssl-Pw-4410"))
        .isEqualTo("cannot connect to jdbc:postgresql://h/db?sslpassword=***&x=***");
  }

  @Test
  void url_encoded_and_json_escaped_forms_are_masked_too() {
    Redactor.register("a b/c+\"d\\e-9921");

    assertThat(
            Redactor.mask(
                "q=a+b%2Fc%2B%22d%5Ce-9921 p=a%20b%2Fc%2B%22d%5Ce-9921 j=\"a b/c+\\\"d\\\\e-9921\""))
        .isEqualTo("q=*** p=*** j=\"***\"");
  }

  @Test
  void values_shorter_than_four_characters_are_not_searched_for() {
    Redactor.register("on");
    Redactor.register("abc");

    assertThat(Redactor.mask("connection refused on abc port"))
        .isEqualTo("connection refused on abc port");
  }

  @Test
  void a_secret_containing_another_is_masked_whole() {
    Redactor.register("inner-7731");
    Redactor.register("outer-inner-7731-tail");

    assertThat(Redactor.mask("x outer-inner-7731-tail y inner-7731")).isEqualTo("x *** y ***");
  }

  @Test
  void text_without_secrets_and_null_pass_through() {
    assertThat(Redactor.mask(null)).isNull();
    assertThat(Redactor.mask("nothing here")).isEqualTo("nothing here");
  }
}
