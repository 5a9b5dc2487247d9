package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresUrlsTest {

  @Test
  void timeouts_are_added_unless_the_url_gives_them() {
    assertThat(PostgresUrls.withTimeouts("jdbc:postgresql://db/keel"))
        .isEqualTo("jdbc:postgresql://db/keel?" + PostgresUrls.PG_DEFAULTS);
    assertThat(PostgresUrls.withTimeouts("jdbc:postgresql://db/keel?socketTimeout=5"))
        .isEqualTo(
            "jdbc:postgresql://db/keel?socketTimeout=5&connectTimeout=5&loginTimeout=10&tcpKeepAlive=true");
  }

  @Test
  void a_url_that_is_not_postgresql_gets_no_timeouts_and_is_a_problem() {
    assertThat(PostgresUrls.withTimeouts("jdbc:h2:mem:x")).isEqualTo("jdbc:h2:mem:x");
    assertThat(PostgresUrls.problem("jdbc:mysql://bob:hunter2@db/keel"))
        .isEqualTo(
            "'jdbc:mysql://***@db/keel' is not a PostgreSQL JDBC URL; expected "
                + PostgresUrls.EXPECTED_FORM);
  }

  @Test
  void a_malformed_or_empty_url_is_a_problem_without_its_password() {
    assertThat(PostgresUrls.problem(" ")).startsWith("the URL is empty");
    assertThat(PostgresUrls.problem("jdbc:postgresql://db:port/keel?password=hunter2"))
        .contains("malformed", "password=***")
        .doesNotContain("hunter2");
    assertThat(PostgresUrls.problem("jdbc:postgresql://db:5432/keel")).isNull();
  }
}
