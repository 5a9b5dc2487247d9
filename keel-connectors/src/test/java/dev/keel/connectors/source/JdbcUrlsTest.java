package dev.keel.connectors.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

  @Test
  void user_info_and_credential_parameters_are_stripped() {
    assertThat(JdbcUrls.describe("jdbc:postgresql://bob:hunter2@db1,db2:5433/shop?user=bob&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db1,db2:5433/shop?ssl=true");
    assertThat(JdbcUrls.describe("jdbc:mariadb://db/shop?ssl=true&Password=hunter2"))
        .isEqualTo("jdbc:mariadb://db/shop?ssl=true");
    assertThat(JdbcUrls.describe("jdbc:postgresql://db/shop?password=hunter2")).isEqualTo("jdbc:postgresql://db/shop");
    assertThat(JdbcUrls.describe("jdbc:postgresql://db/shop?sslpassword=keypass&sslmode=verify-full"))
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
}
