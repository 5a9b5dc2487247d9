package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * For random CSV content with random bad rows: every input row is either published or in the
 * dead-letter table, the target holds exactly the good rows, and publishing again changes nothing.
 */
class PublishPropertiesTest {

  enum Kind {
    GOOD,
    BAD_NUMBER,
    EXTRA_FIELD,
    MISSING_FIELD,
    NULL_NAME,
    REPEATED_KEY,
    QUOTED_NEWLINE
  }

  @BeforeTry
  void emptyDatabase() {
    TestDatabase.reset();
  }

  @Provide
  Arbitrary<List<Kind>> rows() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, Arbitraries.just(Kind.GOOD)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(Kind.values())))
        .list()
        .ofMinSize(0)
        .ofMaxSize(60);
  }

  @Property(tries = 12)
  void every_row_is_published_or_dead_lettered_and_publishing_twice_changes_nothing(
      @ForAll("rows") List<Kind> kinds) throws IOException {
    Path dir = Files.createTempDirectory("keel-prop");
    StringBuilder csv = new StringBuilder("id,name,amount\n");
    List<String> expected = new ArrayList<>();
    long lastGood = -1;
    for (int i = 0; i < kinds.size(); i++) {
      long id = i + 1;
      switch (kinds.get(i)) {
        case GOOD -> {
          csv.append(id).append(",n").append(id).append(',').append(id).append(".25\n");
          expected.add(id + "|n" + id + "|" + id + ".25");
          lastGood = id;
        }
        case QUOTED_NEWLINE -> {
          csv.append(id).append(",\"line\nbreak, \"\"q\"\"\",1.00\n");
          expected.add(id + "|line\nbreak, \"q\"|1.00");
          lastGood = id;
        }
        case BAD_NUMBER -> csv.append(id).append(",x,1.2.3\n");
        case EXTRA_FIELD -> csv.append(id).append(",x,1.00,extra\n");
        case MISSING_FIELD -> csv.append(id).append(",x\n");
        case NULL_NAME -> csv.append(id).append(",,1.00\n");
        case REPEATED_KEY ->
            csv.append(lastGood < 0 ? "0,dup-first,1.00\n" : lastGood + ",dup,9.99\n");
      }
      if (kinds.get(i) == Kind.REPEATED_KEY && lastGood < 0) {
        expected.add("0|dup-first|1.00");
        lastGood = 0;
      }
    }
    Files.writeString(dir.resolve("in.csv"), csv);
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        """
        name: prop
        source: { csv: { path: in.csv } }
        columns: { id: bigint, name: text, amount: "numeric(10,2)" }
        validate: { not_null: [name], max_rejected: "100%" }
        sink: { postgres: { key: [id] } }
        """);

    Cli first = Cli.runPipeline(file);
    assertThat(first.exit()).as(first.toString()).isZero();
    List<String> target = TestDatabase.rows("select id, name, amount from prop order by id");
    long deadLetters = TestDatabase.count("select count(*) from keel.dead_letter");

    assertThat(target.size() + deadLetters).isEqualTo(kinds.size());
    assertThat(target).containsExactlyInAnyOrderElementsOf(expected);

    Cli second = Cli.runPipeline(file);
    assertThat(second.exit()).isZero();
    assertThat(TestDatabase.rows("select id, name, amount from prop order by id"))
        .isEqualTo(target);
  }
}
