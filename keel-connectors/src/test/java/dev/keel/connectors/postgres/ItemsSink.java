package dev.keel.connectors.postgres;

import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import dev.keel.spec.SinkSpec;
import dev.keel.testkit.TestDatabase;
import java.util.List;

/**
 * The sink most of the sink tests load: {@code public.items (id bigint, name text)} keyed on id,
 * prepared (keel_sink migrated) and fenced for partition "all" with token 1; a session begins as
 * run 1's task ({@link #TASK}). Each test makes the table itself, with the constraints it needs.
 */
final class ItemsSink {
  static final List<Column> COLUMNS =
      List.of(
          new Column("id", ColumnType.parse("bigint")),
          new Column("name", ColumnType.parse("text")));

  static final TaskRef TASK = new TaskRef(1, 1, "items", "all", 1, 1);

  private ItemsSink() {}

  /** The spec: {@code chunkRows} rows per chunk when {@code commit} is chunk. */
  static PostgresSinkSpec spec(
      SinkSpec.Mode mode, SinkSpec.Commit commit, long chunkRows, int keepVersions) {
    return new PostgresSinkSpec(
        null,
        null,
        null,
        "public",
        "items",
        List.of("id"),
        mode,
        null,
        commit,
        chunkRows,
        false,
        keepVersions);
  }

  /** The sink, 100 rows per chunk, prepared and fenced. */
  static PostgresSink open(SinkSpec.Mode mode, SinkSpec.Commit commit, int keepVersions) {
    PostgresSink sink =
        new PostgresSink(
            TestDatabase.dataSource(), spec(mode, commit, 100, keepVersions), COLUMNS, false, null);
    sink.prepare();
    sink.fence("all", 1);
    return sink;
  }

  static SinkSession begin(PostgresSink sink) {
    return sink.begin(TASK);
  }

  /** Rejects noted into {@code into} as "position|raw|reason". */
  static Rejects noting(List<String> into) {
    return (position, raw, reason) -> into.add(position + "|" + raw + "|" + reason);
  }
}
