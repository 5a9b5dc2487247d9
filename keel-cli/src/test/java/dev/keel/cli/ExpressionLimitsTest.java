package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expressions end to end through {@code keel run}: numbers are stored exactly or the record is
 * dead-lettered, never rounded; a value that would grow without bound is one dead letter, not an
 * exhausted heap.
 */
class ExpressionLimitsTest {
  @TempDir Path dir;

  @BeforeEach
  void emptyDatabase() {
    TestDatabase.reset();
  }

  private Path pipeline(String columns, String set, String... lines) throws IOException {
    Files.writeString(dir.resolve("t.csv"), String.join("\n", lines) + "\n");
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: t
        source: { csv: { path: t.csv } }
        columns: %s
        transform: [ { set: %s } ]
        validate: { max_rejected: 10 }
        sink: { postgres: { table: t, key: [id], mode: upsert } }
        """
            .formatted(columns, set));
    return file;
  }

  @Test
  void a_numeric_passed_through_coalesce_is_stored_with_every_digit() throws IOException {
    Path file =
        pipeline(
            "{ id: bigint, n: \"numeric(30,2)\" }",
            "{ n: \"coalesce(n, 0.0)\" }",
            "id,n",
            "1,1234567890123456789.12",
            "2,",
            "3,0.10");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id, n from t order by id"))
        .containsExactly("1|1234567890123456789.12", "2|0.00", "3|0.10");
  }

  @Test
  void a_computed_numeric_the_scale_cannot_hold_is_dead_lettered_not_rounded() throws IOException {
    Path file =
        pipeline(
            "{ id: bigint, n: \"numeric(30,2)\" }",
            "{ n: \"n / 3.0\" }",
            "id,n",
            "1,1.00",
            "2,0.99",
            "3,1234567890123456789.12");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id, n from t order by id")).containsExactly("2|0.33");
    assertThat(
            TestDatabase.rows(
                "select position || ' ' || reason from keel.dead_letter order by position"))
        .satisfiesExactly(
            r ->
                assertThat(r)
                    .startsWith("2 ")
                    .contains("n / 3.0", "0.3333333333333333 does not fit numeric(30,2) exactly"),
            r ->
                assertThat(r)
                    .startsWith("4 ")
                    .contains("column 'n' holds 1234567890123456789.12, 21 significant digits"));
  }

  @Test
  void a_replace_that_would_exhaust_the_heap_is_one_dead_letter_and_the_others_publish()
      throws IOException {
    Path file =
        pipeline(
            "{ id: bigint, v: text }",
            "{ v: \"v.replace('a', v)\" }",
            "id,v",
            "1," + "a".repeat(100_000),
            "2,b",
            "3,xay");

    Cli cli = Cli.runPipeline(file);

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.rows("select id, v from t order by id"))
        .containsExactly("2|b", "3|xxayy");
    assertThat(TestDatabase.rows("select position || ' ' || reason from keel.dead_letter"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .startsWith("2 ")
                    .contains(
                        "v.replace('a', v)",
                        "replace would make a string of 10000000000 characters; the limit is 16777216")
                    .hasSizeLessThan(2_000));
    assertThat(TestDatabase.rows("select state from keel.run")).containsExactly("succeeded");
  }
}
