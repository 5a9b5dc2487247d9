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
 * The sink's publish and its rejects: what is rejected at publish is durable before the publish
 * commits.
 */
class PostgresSinkSessionTest {
  @BeforeEach
  void emptyDatabase() throws SQLException {
    exec(
        "DROP SCHEMA IF EXISTS keel_sink CASCADE",
        "DROP TABLE IF EXISTS items",
        "CREATE TABLE items (id bigint PRIMARY KEY, name text CHECK (name <> 'forbidden'))");
  }

  @Test
  void each_sink_migration_is_recorded_by_the_transaction_that_applied_it() {
    try (PostgresSink sink = sink(SinkSpec.Commit.PARTITION)) {
      // V3 adds keel_sink.load.rows_rejected: a kill between two separate commits (Flyway's
      // PostgreSQL default) left the column without its history row, and every later prepare
      // failed with "column rows_rejected already exists"
      assertThat(
              count(
                  """
                  SELECT count(*) FROM keel_sink.sink_schema_history h
                  JOIN pg_attribute a
                    ON a.attrelid = 'keel_sink.load'::regclass AND a.attname = 'rows_rejected'
                  WHERE h.version = '3' AND h.xmin = a.xmin"""))
          .isEqualTo(1);
    }
  }

  @Test
  void a_publish_makes_its_rejects_durable_before_it_commits() {
    DurableRejects rejects = new DurableRejects();
    try (PostgresSink sink = sink(SinkSpec.Commit.PARTITION);
        SinkSession session = begin(sink)) {
      stageRows(session, 1, 100);

      SinkSession.PublishResult result = session.publish(rejects, n -> true);

      assertThat(result.published()).isEqualTo(99);
      assertThat(result.rejected()).isEqualTo(1);
    }
    assertThat(rejects.pending).isEmpty();
    assertThat(rejects.durable)
        .singleElement()
        .asString()
        .startsWith("43|42,forbidden|constraint items_name_check");
    assertThat(rejects.targetRowsWhenFlushed).containsExactly(0L);
    assertThat(count("select count(*) from items")).isEqualTo(99);
  }

  @Test
  void a_chunk_makes_its_rejects_durable_before_it_commits_with_its_checkpoint() {
    DurableRejects rejects = new DurableRejects();
    try (PostgresSink sink = sink(SinkSpec.Commit.CHUNK);
        SinkSession session = begin(sink)) {
      stageRows(session, 1, 100);
      session.publishChunk(new SinkSession.Checkpoint("101", 0, 100, 0, 0, 0), rejects, n -> true);
      stageRows(session, 101, 200);

      SinkSession.PublishResult last = session.publish(rejects, n -> true);

      assertThat(last.rejected()).isEqualTo(1);
    }
    assertThat(rejects.durable).hasSize(2);
    assertThat(rejects.targetRowsWhenFlushed).containsExactly(0L, 99L);
    assertThat(count("select rows_rejected from keel_sink.checkpoint")).isEqualTo(1);
    assertThat(count("select count(*) from items")).isEqualTo(198);
  }

  /**
   * Rows {@code from..to} at positions one higher (CSV lines); every one ending in 42 is
   * 'forbidden'.
   */
  private static void stageRows(SinkSession session, long from, long to) {
    for (long id = from; id <= to; id++) {
      session.stage(id + 1, new Object[] {id, id % 100 == 42 ? "forbidden" : "n" + id});
    }
  }

  private static PostgresSink sink(SinkSpec.Commit commit) {
    return ItemsSink.open(SinkSpec.Mode.UPSERT, commit, 0);
  }

  private static SinkSession begin(PostgresSink sink) {
    return ItemsSink.begin(sink);
  }

  /**
   * A dead-letter writer that notes how many target rows another session saw when it was flushed.
   */
  private static final class DurableRejects implements Rejects {
    final List<String> pending = new ArrayList<>();
    final List<String> durable = new ArrayList<>();
    final List<Long> targetRowsWhenFlushed = new ArrayList<>();

    @Override
    public void reject(long position, String raw, String reason) {
      pending.add(position + "|" + raw + "|" + reason);
    }

    @Override
    public void flush() {
      if (!pending.isEmpty()) {
        targetRowsWhenFlushed.add(count("select count(*) from items"));
        durable.addAll(pending);
        pending.clear();
      }
    }
  }

  private static long count(String sql) {
    return TestDatabase.count(sql);
  }

  private static void exec(String... sql) {
    TestDatabase.exec(sql);
  }
}
