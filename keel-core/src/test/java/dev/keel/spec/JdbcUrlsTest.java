package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * One rule for what a credential in a JDBC URL is; described URLs drop it, redacted text masks it.
 */
class JdbcUrlsTest {

  @Test
  void user_info_and_credential_parameters_are_stripped() {
    assertThat(
            JdbcUrls.describe(
                "jdbc:postgresql://bob:hunter2@db1,db2:5433/shop?user=bob&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db1,db2:5433/shop?ssl=true");
    assertThat(JdbcUrls.describe("jdbc:mariadb://db/shop?ssl=true&Password=hunter2"))
        .isEqualTo("jdbc:mariadb://db/shop?ssl=true");
    assertThat(JdbcUrls.describe("jdbc:postgresql://db/shop?password=hunter2"))
        .isEqualTo("jdbc:postgresql://db/shop");
    assertThat(
            JdbcUrls.describe("jdbc:postgresql://db/shop?sslpassword=keypass&sslmode=verify-full"))
        .isEqualTo("jdbc:postgresql://db/shop?sslmode=verify-full");
    assertThat(JdbcUrls.describe("jdbc:sqlserver://db;user=bob;password=hunter2;encrypt=true"))
        .isEqualTo("jdbc:sqlserver://db;encrypt=true");
  }

  @Test
  void a_url_without_credentials_is_unchanged() {
    assertThat(JdbcUrls.describe("jdbc:postgresql://db:5432/shop?targetServerType=primary"))
        .isEqualTo("jdbc:postgresql://db:5432/shop?targetServerType=primary");
  }

  @Test
  void redaction_removes_the_password_and_the_full_url_from_a_message() {
    String url = "jdbc:postgresql://db/shop?password=hunter2";
    assertThat(JdbcUrls.redact("bad url " + url + " and hunter2 again", url, "hunter2"))
        .isEqualTo("bad url jdbc:postgresql://db/shop and *** again");
  }

  @Test
  void redacted_text_masks_user_info_and_credential_values_in_place() {
    assertThat(
            JdbcUrls.redact(
                "cannot reach jdbc:postgresql://bob:hunter2@db:5432/shop?user=bob&sslkey=/k.pem&ssl=true"))
        .isEqualTo("cannot reach jdbc:postgresql://***@db:5432/shop?user=***&sslkey=***&ssl=true");
    assertThat(JdbcUrls.redact("jdbc:postgresql://db/shop?sslpassword=keypass&Password=hunter2"))
        .isEqualTo("jdbc:postgresql://db/shop?sslpassword=***&Password=***");
    assertThat(JdbcUrls.redact("jdbc:sqlserver://db;user=bob;password=hunter2;encrypt=true"))
        .isEqualTo("jdbc:sqlserver://db;user=***;password=***;encrypt=true");
    assertThat(JdbcUrls.redact(null)).isNull();
  }

  @Test
  void both_forms_know_the_same_credential_names() {
    for (String name : JdbcUrls.CREDENTIALS.split("\\|")) {
      String url =
          "jdbc:x://db/shop?"
              + name
              + "=s3cret&ssl=true;"
              + name.toUpperCase()
              + "=s3cret;encrypt=true";
      assertThat(JdbcUrls.redact(url)).as(name).doesNotContain("s3cret");
      assertThat(JdbcUrls.describe(url))
          .as(name)
          .doesNotContain("s3cret")
          .contains("ssl=true", "encrypt=true");
    }
  }

  @Test
  void a_url_without_credentials_is_not_redacted() {
    String url = "jdbc:postgresql://db:5432/shop?targetServerType=primary&ApplicationName=keel";
    assertThat(JdbcUrls.redact(url)).isEqualTo(url);
  }

  @Test
  void the_server_is_the_hosts_and_ports_without_user_info() {
    assertThat(JdbcUrls.server("jdbc:postgresql://u:p@127.0.0.1:5433/x?user=a"))
        .isEqualTo("127.0.0.1:5433");
    assertThat(JdbcUrls.server("jdbc:postgresql://h1:5432,h2:5432/x")).isEqualTo("h1:5432,h2:5432");
  }
}
