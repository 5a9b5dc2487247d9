package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretResolverTest {
  private final SecretResolver resolver =
      new SecretResolver(Map.of("PGPASSWORD", "pw-from-env", "PGUSER", "alice")::get);

  @Test
  void an_env_reference_resolves_and_prints_as_written() {
    Secret s = resolver.resolve("${env:PGPASSWORD}");

    assertThat(s.reveal()).isEqualTo("pw-from-env");
    assertThat(s).hasToString("${env:PGPASSWORD}");
    assertThat(s.reference()).isEqualTo("${env:PGPASSWORD}");
  }

  @Test
  void several_references_inside_a_url_all_resolve() {
    Secret s =
        resolver.resolve("jdbc:postgresql://db/x?user=${env:PGUSER}&password=${env:PGPASSWORD}");

    assertThat(s.reveal()).isEqualTo("jdbc:postgresql://db/x?user=alice&password=pw-from-env");
    assertThat(s.toString()).doesNotContain("alice", "pw-from-env");
  }

  @Test
  void a_file_reference_reads_the_file_without_its_trailing_newline(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, "from-file$1\\n\n");

    Secret s = resolver.resolve("${file:" + file + "}");

    assertThat(s.reveal()).isEqualTo("from-file$1\\n");
    assertThat(s.toString()).isEqualTo("${file:" + file + "}");
  }

  @Test
  void text_without_references_is_kept_but_never_printed() {
    Secret s = resolver.resolve("jdbc:postgresql://db/x");

    assertThat(s.reveal()).isEqualTo("jdbc:postgresql://db/x");
    assertThat(s).hasToString("***");
  }

  @Test
  void an_unset_variable_is_named() {
    assertThatThrownBy(() -> resolver.resolve("${env:NOPE}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("environment variable NOPE is not set (referenced as ${env:NOPE})");
  }

  @Test
  void a_missing_file_is_named_with_what_to_check() {
    assertThatThrownBy(() -> resolver.resolve("${file:/nonexistent/keel/pw}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "secret file /nonexistent/keel/pw cannot be read (NoSuchFileException); check that it exists and"
                + " is readable by keel");
  }

  @Test
  void a_reference_keel_does_not_understand_is_refused_not_kept_as_text() {
    assertThatThrownBy(() -> resolver.resolve("${ENV:PGPASSWORD}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "has a reference keel does not understand; write ${env:NAME} or ${file:/path}");
  }

  @Test
  void the_error_for_a_later_reference_never_shows_an_earlier_resolved_value() {
    assertThatThrownBy(() -> resolver.resolve("${env:PGPASSWORD}${env:NOPE}"))
        .message()
        .doesNotContain("pw-from-env");
  }
}
