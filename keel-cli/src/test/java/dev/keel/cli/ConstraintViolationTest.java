package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.engine.LocalRun;
import dev.keel.engine.SinkFactory;
import dev.keel.engine.TaskExecutor;
import dev.keel.runtime.Sink;
import dev.keel.runtime.TaskControl;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecReader;
import dev.keel.store.ClaimedTask;
import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows that break a constraint of the target keel cannot check before publishing (here a foreign
 * key to a parent table that lacks some keys) go to the dead-letter table with the constraint and
 * PostgreSQL's message; the rest of the partition is published in the same fenced transaction, and
 * the rejected-row limit still fails the partition as a whole.
 */
class ConstraintViolationTest {
  private static final int ROWS = 1000;

  /** Records whose parent (42) is missing: ids 100, 500 and 900, on CSV lines 101, 501 and 901. */
  private static final List<Long> ORPHANS = List.of(100L, 500L, 900L);

  private static final String FK_REASON =
      "constraint children_parent_fkey of public.children: insert or update on table"
          + " \"children\" violates foreign key constraint \"children_parent_fkey\"; Key (parent)=(42) is not present in table \"parents\".";

  @TempDir Path dir;

  @BeforeEach
  void parentsWithoutKey42() {
    TestDatabase.reset();
    TestDatabase.exec(
        "create table parents (id bigint primary key)",
        "insert into parents select g from generate_series(1, 9) g");
  }

  private static String pipeline(String mode, String extra) {
    return """
        name: children
        source: { csv: { path: children.csv } }
        columns: { id: bigint, parent: bigint, note: text }
        validate: { max_rejected: 5 }
        retry: { attempts: 3, backoff: 10ms }
        sink: { postgres: { table: children, key: [id], mode: %s%s } }
        """
        .formatted(mode, extra);
  }

  private Path file(String yaml) throws IOException {
    Path file = dir.resolve("children.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** ROWS children, parent = id % 9 + 1, but 42 for the ORPHANS; {@code note} by id. */
  private void children(LongFunction<String> note) throws IOException {
    StringBuilder csv = new StringBuilder("id,parent,note\n");
    for (long id = 1; id <= ROWS; id++) {
      csv.append(id)
          .append(',')
          .append(ORPHANS.contains(id) ? 42 : id % 9 + 1)
          .append(',')
          .append(note.apply(id))
          .append('\n');
    }
    Files.writeString(dir.resolve("children.csv"), csv);
  }

  private static void childrenTable(String key) {
    TestDatabase.exec(
        "create table children (id bigint "
            + key
            + ", parent bigint not null references parents, note text)");
  }

  @Test
  void rows_whose_parent_is_missing_are_dead_lettered_with_the_foreign_key_and_the_others_upserted()
      throws IOException {
    childrenTable("primary key");
    children(id -> "n" + id);

    Cli cli = Cli.runPipeline(file(pipeline("upsert", "")));

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out()).containsPattern("all +succeeded +1 +1000 +0 +3 +997");
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS - 3);
    assertThat(TestDatabase.count("select count(*) from children where id in (100, 500, 900)"))
        .isZero();
    assertThat(
            TestDatabase.rows(
                "select position, raw, reason from keel.dead_letter order by position"))
        .containsExactly(
            "101|100,42,n100|" + FK_REASON,
            "501|500,42,n500|" + FK_REASON,
            "901|900,42,n900|" + FK_REASON);
    Cli deadLetters = Cli.run("deadletters", "children", "--db", TestDatabase.url());
    assertThat(deadLetters.out())
        .contains("run 1 of children: 3 rejected records")
        .contains("501  constraint children_parent_fkey of public.children")
        .contains("| 500,42,n500");
  }

  @Test
  void
      a_second_upsert_of_the_same_input_changes_nothing_and_rejects_the_same_rows_as_any_rejects_once_per_run()
          throws IOException {
    childrenTable("primary key");
    // One record rejected by the source too (line 251), to compare with the constraint's rejects.
    children(id -> id == 250 ? "\"a,b\",extra" : "n" + id);
    Path file = file(pipeline("upsert", ""));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    List<String> first =
        TestDatabase.rows("select id, parent, note, xmin::text from children order by id");

    Cli again = Cli.runPipeline(file);

    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).containsPattern("all +succeeded +1 +1000 +0 +4 +996");
    // Same rows, not even rewritten (xmin unchanged): the upsert writes only changed values.
    assertThat(TestDatabase.rows("select id, parent, note, xmin::text from children order by id"))
        .isEqualTo(first)
        .hasSize(996);
    assertThat(
            TestDatabase.rows(
                "select run_id, count(*), string_agg(position::text, ' ' order by position)"
                    + " from keel.dead_letter group by run_id order by run_id"))
        .containsExactly("1|4|101 251 501 901", "2|4|101 251 501 901");
    assertThat(TestDatabase.count("select count(*) from keel_sink.load")).isEqualTo(2);
  }

  @Test
  void
      in_append_mode_the_others_are_appended_in_order_and_a_retry_after_an_in_doubt_commit_appends_and_rejects_nothing_more()
          throws IOException {
    childrenTable("");
    children(id -> "n" + id);
    PipelineSpec spec =
        new SpecReader().read(file(pipeline("append", "").replace("key: [id], ", "")));
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
      TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
      TaskExecutor.Outcome first =
          executor.execute(claim(store, runId), spec, sink, TaskControl.NONE);
      assertThat(first.state()).as(first.error()).isEqualTo("succeeded");
      assertThat(first.result().rejected()).isEqualTo(3);
      // The commit landed but the node never heard it: the queue still has the task.
      TestDatabase.exec(
          "update keel.task set state = 'queued', owner = null where run_id = " + runId);

      TaskExecutor.Outcome retry =
          executor.execute(claim(store, runId), spec, sink, TaskControl.NONE);

      assertThat(retry.state()).isEqualTo("succeeded");
      assertThat(retry.result().alreadyPublished()).isTrue();
    }
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS - 3);
    assertThat(
            TestDatabase.count(
                "select count(*) from (select id, row_number() over (order by ctid) = rank() over (order by id)"
                    + " as in_order from children) c where not in_order"))
        .isZero();
    assertThat(
            TestDatabase.rows("select attempt, position from keel.dead_letter order by position"))
        .containsExactly("1|101", "1|501", "1|901");
  }

  @Test
  void orphans_beyond_max_rejected_fail_the_partition_and_leave_the_target_untouched()
      throws IOException {
    childrenTable("primary key");
    children(id -> "n" + id);
    Path file = file(pipeline("upsert", ""));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    List<String> before = TestDatabase.rows("select * from children order by id");
    children(id -> "changed" + id);

    Cli cli =
        Cli.runPipeline(file(pipeline("upsert", "").replace("max_rejected: 5", "max_rejected: 2")));

    assertThat(cli.exit()).isEqualTo(1);
    assertThat(cli.out())
        .contains("3 of 1000 records rejected", "over max_rejected 2", "nothing was published");
    assertThat(TestDatabase.rows("select * from children order by id")).isEqualTo(before);
    assertThat(TestDatabase.rows("select state, attempt from keel.task where run_id = 2"))
        .containsExactly("failed|1");
    assertThat(
            TestDatabase.rows(
                "select position from keel.dead_letter where run_id = 2 order by position"))
        .containsExactly("101", "501", "901");
  }

  @Test
  void in_replace_mode_the_partitions_old_rows_give_way_to_its_good_new_rows() throws IOException {
    TestDatabase.exec(
        "create table children (id bigint primary key, parent bigint not null references parents, note text)",
        "insert into children select g, 1, 'old' from generate_series(1, 2000) g");
    children(id -> "n" + id);

    Cli cli = Cli.runPipeline(file(pipeline("replace", "")));

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS - 3);
    assertThat(TestDatabase.count("select count(*) from children where note = 'old'")).isZero();
    assertThat(TestDatabase.count("select count(*) from keel.dead_letter")).isEqualTo(3);
  }

  @Test
  void with_chunked_commits_each_chunk_rejects_its_own_orphans() throws IOException {
    childrenTable("primary key");
    children(id -> "n" + id);

    Cli cli = Cli.runPipeline(file(pipeline("upsert", ", commit: chunk, chunk_rows: 300")));

    assertThat(cli.exit()).as(cli.toString()).isZero();
    assertThat(cli.out()).containsPattern("all +succeeded +1 +1000 +0 +3 +997");
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS - 3);
    // Chunks of 300 rows, each with one orphan; the checkpoint of the third counts the three.
    assertThat(
            TestDatabase.rows(
                "select chunks, rows_rejected, rows_published from keel_sink.checkpoint"))
        .containsExactly("3|3|897");
  }

  @Test
  void once_the_missing_parent_exists_replay_publishes_the_rejected_rows() throws IOException {
    childrenTable("primary key");
    children(id -> "n" + id);
    Path file = file(pipeline("upsert", ""));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    TestDatabase.exec("insert into parents values (42)");

    Cli replay = Cli.run("replay", "children", "--partition", "all", "--db", TestDatabase.url());

    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("replaying 3 rejected records of run 1");
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS);
  }

  @Test
  void in_replace_mode_replaying_the_rejected_rows_once_the_parent_exists_keeps_the_published_ones()
      throws IOException {
    childrenTable("primary key");
    children(id -> "n" + id);
    Path file = file(pipeline("replace", ""));
    assertThat(Cli.runPipeline(file).exit()).isZero();
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS - 3);
    TestDatabase.exec("insert into parents values (42)");

    Cli replay = Cli.run("replay", "children", "--partition", "all", "--db", TestDatabase.url());

    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("replaying 3 rejected records of run 1");
    // The replay adds the 3 rows; it must not swap the partition's 997 published rows for them.
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS);
  }

  @Test
  void a_retry_after_an_in_doubt_commit_counts_the_rows_that_commit_rejected_at_publish()
      throws IOException {
    childrenTable("");
    children(id -> "n" + id);
    PipelineSpec spec =
        new SpecReader().read(file(pipeline("append", "").replace("key: [id], ", "")));
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
      TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
      assertThat(executor.execute(claim(store, runId), spec, sink, TaskControl.NONE).state())
          .isEqualTo("succeeded");
      // The commit landed but the node died before recording it: the reaper gives the task to a new
      // claim.
      TestDatabase.exec(
          "update keel.task set state = 'queued', owner = null where run_id = " + runId);

      TaskExecutor.Outcome retry =
          executor.execute(claim(store, runId), spec, sink, TaskControl.NONE);

      assertThat(retry.result().alreadyPublished()).isTrue();
      assertThat(retry.result().published()).isEqualTo(ROWS - 3);
      assertThat(retry.result().rejected()).isEqualTo(3);
    }
    assertThat(TestDatabase.rows("select rows_read, rows_rejected, rows_published from keel.task"))
        .containsExactly(ROWS + "|3|" + (ROWS - 3));
  }

  @Test
  void
      rows_an_attempt_rejected_before_it_lost_its_connection_are_not_dead_letters_once_a_retry_publishes_them()
          throws IOException {
    childrenTable("");
    children(id -> "n" + id);
    // Attempt 1 loses its connection mid-search, after it found the orphans 100 and 500: the second
    // time row 950 is inserted (the first is the insert of all rows, before the search).
    TestDatabase.exec(
        "create sequence cut_once",
        """
        create function cut() returns trigger language plpgsql as $$
        begin
          if new.id = 950 and nextval('cut_once') = 2 then
            perform pg_terminate_backend(pg_backend_pid());
          end if;
          return new;
        end $$""",
        "create trigger cut before insert on children for each row execute function cut()");
    PipelineSpec spec =
        new SpecReader().read(file(pipeline("append", "").replace("key: [id], ", "")));
    try (MetadataStore store =
            MetadataStore.open(new Database(TestDatabase.url(), null, null, 4, "test"));
        Sink sink = SinkFactory.create(spec, store.db())) {
      sink.prepare();
      long runId = LocalRun.builder(store).build().create(spec, List.of("all"));
      TaskExecutor executor = TaskExecutor.builder(store, "node-a").build();
      TaskExecutor.Outcome first =
          executor.execute(claim(store, runId), spec, sink, TaskControl.NONE);
      assertThat(first.state()).as(first.error()).isIn("queued", "waiting");
      assertThat(TestDatabase.count("select count(*) from children")).isZero();
      // Meanwhile the parent is loaded; the retry publishes every row.
      TestDatabase.exec(
          "insert into parents values (42)",
          "update keel.task set due_at = now() where run_id = " + runId);

      TaskExecutor.Outcome retry =
          executor.execute(claim(store, runId), spec, sink, TaskControl.NONE);

      assertThat(retry.state()).as(retry.error()).isEqualTo("succeeded");
      assertThat(retry.result().rejected()).isZero();
    }
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS);
    // Replaying what the run is said to have rejected must not append rows that were published.
    Cli replay = Cli.run("replay", "children", "--partition", "all", "--db", TestDatabase.url());
    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(TestDatabase.count("select count(*) from children")).isEqualTo(ROWS);
    assertThat(TestDatabase.count("select count(distinct id) from children")).isEqualTo(ROWS);
    Cli deadLetters = Cli.run("deadletters", "children", "--db", TestDatabase.url());
    assertThat(deadLetters.out()).doesNotContain("constraint children_parent_fkey");
  }

  private static ClaimedTask claim(MetadataStore store, long runId) {
    List<ClaimedTask> claimed = store.tasks().claim("node-a", runId, 1, Duration.ofSeconds(30));
    assertThat(claimed).hasSize(1);
    return claimed.get(0);
  }
}
