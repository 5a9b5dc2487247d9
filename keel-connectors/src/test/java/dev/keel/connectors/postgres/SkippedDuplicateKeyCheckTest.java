package dev.keel.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The staged path skips the SQL duplicate-key pass when the session's {@link SeenKeys} is certain
 * no key repeats; whenever it is not (a repeat, a false positive), the pass runs and the outcome is
 * the same as without the filter.
 */
class SkippedDuplicateKeyCheckTest {
  private static final int MANY = 20_000;

  private final List<String> rejected = new ArrayList<>();
  private final Rejects rejects = ItemsSink.noting(rejected);

  @BeforeEach
  void fullTarget() throws SQLException {
    TestDatabase.exec(
        "DROP SCHEMA IF EXISTS keel_sink CASCADE",
        "DROP TABLE IF EXISTS items",
        "CREATE TABLE items (id bigint PRIMARY KEY, name text)",
        "INSERT INTO items VALUES (0, 'there before')");
  }

  @Test
  void distinct_keys_are_upserted_without_the_pass() {
    try (PostgresSink sink = sink(SinkSpec.Commit.PARTITION);
        SinkSession session = begin(sink)) {
      stage(session, 1, MANY, "n");
      PostgresSinkSession staged = (PostgresSinkSession) session;
      assertThat(staged.copyingDirectly()).isFalse();
      assertThat(staged.seenKeys().noneRepeated()).isTrue();

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(result.published()).isEqualTo(MANY);
      assertThat(result.rejected()).isZero();
    }
    assertThat(rejected).isEmpty();
    assertThat(TestDatabase.count("select count(*) from items")).isEqualTo(MANY + 1);
  }

  @Test
  void when_the_filter_only_may_have_seen_a_key_the_pass_finds_no_repeat() {
    try (PostgresSink sink = sink(SinkSpec.Commit.PARTITION);
        SinkSession session = begin(sink)) {
      stage(session, 1, MANY, "n");
      // What a false positive amounts to: the filter is no longer certain.
      ((PostgresSinkSession) session).seenKeys().forget();

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(result.published()).isEqualTo(MANY);
      assertThat(result.rejected()).isZero();
    }
    assertThat(rejected).isEmpty();
    assertThat(TestDatabase.count("select count(*) from items")).isEqualTo(MANY + 1);
  }

  @Test
  void a_real_repeat_among_many_rows_is_rejected_by_position() {
    try (PostgresSink sink = sink(SinkSpec.Commit.PARTITION);
        SinkSession session = begin(sink)) {
      stage(session, 1, MANY, "n");
      session.stage(MANY + 2, new Object[] {12_345L, "later"});
      assertThat(((PostgresSinkSession) session).seenKeys().noneRepeated()).isFalse();

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(result.published()).isEqualTo(MANY);
      assertThat(result.rejected()).isEqualTo(1);
    }
    assertThat(rejected)
        .singleElement()
        .asString()
        .startsWith(
            (MANY + 2) + "|12345,later|duplicate key (id)=(12345): the record at position 12346");
    assertThat(TestDatabase.count("select count(*) from items where name = 'n12345'")).isEqualTo(1);
  }

  @Test
  void each_chunk_starts_with_no_key_seen() {
    try (PostgresSink sink = sink(SinkSpec.Commit.CHUNK);
        SinkSession session = begin(sink)) {
      stage(session, 1, 100, "first");
      session.publishChunk(new SinkSession.Checkpoint("101", 0, 100, 0, 0, 0), rejects, n -> true);
      // The same keys again in the next chunk: updates, not repeats within a batch.
      for (long id = 1; id <= 100; id++) {
        session.stage(id + 101, new Object[] {id, "second" + id});
      }
      assertThat(((PostgresSinkSession) session).seenKeys().noneRepeated()).isTrue();

      SinkSession.PublishResult last = session.publish(rejects, n -> true);

      assertThat(last.rejected()).isZero();
    }
    assertThat(rejected).isEmpty();
    assertThat(TestDatabase.count("select count(*) from items where name = 'second' || id"))
        .isEqualTo(100);
  }

  /** Rows {@code from..to} at positions one higher (CSV lines). */
  private static void stage(SinkSession session, long from, long to, String name) {
    for (long id = from; id <= to; id++) {
      session.stage(id + 1, new Object[] {id, name + id});
    }
  }

  private static PostgresSink sink(SinkSpec.Commit commit) {
    return ItemsSink.open(SinkSpec.Mode.UPSERT, commit, 0);
  }

  private static SinkSession begin(PostgresSink sink) {
    return ItemsSink.begin(sink);
  }
}
