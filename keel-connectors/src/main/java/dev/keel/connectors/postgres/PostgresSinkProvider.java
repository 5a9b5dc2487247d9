package dev.keel.connectors.postgres;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SinkCapabilities;
import dev.keel.connector.SinkContext;
import dev.keel.connector.SinkProvider;
import dev.keel.runtime.Sink;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import dev.keel.spec.SinkSpec.Commit;
import dev.keel.spec.SinkSpec.Mode;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code sink: { postgres: { url, user, password, schema, table, key, mode, partition_column,
 * commit, chunk_rows, allow_empty, keep_versions } }}. Without {@code url}, the sink shares the
 * metadata database's pool.
 */
public final class PostgresSinkProvider implements SinkProvider {
  /** PostgreSQL allows 1,600 columns in a table; keel's staging table adds one (_keel_pos). */
  public static final int MAX_COLUMNS = 1599;

  /** Each kept load holds a copy of what it changed; more than this is a backup's job. */
  public static final int MAX_KEEP_VERSIONS = 1000;

  private static final SinkCapabilities CAPABILITIES =
      new SinkCapabilities(
          EnumSet.allOf(Mode.class),
          true,
          true,
          true,
          MAX_COLUMNS,
          "PostgreSQL allows 1600 per table and keel's staging table adds one");

  @Override
  public String kind() {
    return PostgresSinkSpec.KIND;
  }

  /** keel_sink.source_position, written in the publish transaction. */
  @Override
  public boolean storesPositions() {
    return true;
  }

  @Override
  public SinkCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public SinkSpec parse(ConfigSection s, PipelineContext pipeline) {
    String where = s.where();
    s.onlyKeys(
        Set.of(
            "url",
            "user",
            "password",
            "schema",
            "table",
            "key",
            "mode",
            "partition_column",
            "commit",
            "chunk_rows",
            "allow_empty",
            "keep_versions"));
    Secret url = s.credential("url", false);
    Secret user = s.credential("user", false);
    Secret password = s.credential("password", false);
    String schema = s.identifier("schema", "public");
    String table = s.identifier("table", pipeline.name());
    List<String> key = s.columnList("key", pipeline.columns());
    Mode mode = key.isEmpty() ? Mode.APPEND : Mode.UPSERT;
    String m = s.string("mode");
    if (m != null) {
      try {
        mode = Mode.valueOf(m.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        s.error("mode", where + ".mode must be upsert, append or replace, not '" + m + "'");
      }
    }
    if (mode == Mode.UPSERT && key.isEmpty()) {
      s.error(
          where + ": mode upsert needs key: [column, ...] naming the columns that identify a row");
    }
    String partitionColumn = null;
    boolean twoDimensions =
        pipeline.partitions() != null
            && pipeline.partitions().isWindows()
            && !pipeline.partitions().values().isEmpty();
    if (s.has("partition_column")) {
      List<String> names = s.names("partition_column");
      for (String n : names) {
        String unknown =
            dev.keel.spec.SpecReader.unknownColumnProblem(
                where + ".partition_column", n, pipeline.columns());
        if (unknown != null) {
          s.error("partition_column", unknown);
        }
      }
      if (names.size() > 2 || (names.size() == 2 && !twoDimensions)) {
        s.error(
            "partition_column",
            where
                + ".partition_column names "
                + names.size()
                + " columns; give one, or two (window, value) for partitions crossing a time window"
                + " with values");
      } else if (names.size() == 1 && twoDimensions && mode == Mode.REPLACE) {
        s.error(
            "partition_column",
            where
                + ".partition_column: partitions such as 2026-11-28/eu need two columns, [the"
                + " window's column, the value's column], so that replace swaps only its own cell");
      }
      partitionColumn = names.isEmpty() ? null : String.join(",", names);
    } else if (mode == Mode.REPLACE
        && pipeline.partitions() != null
        && pipeline.partitions().multiple()) {
      s.error(
          where
              + ": mode replace with several partitions needs partition_column: the column whose value is"
              + " the partition, so that one partition's rows can be swapped without touching the others");
    }
    Commit commit = Commit.PARTITION;
    String c = s.string("commit");
    if ("chunk".equals(c)) {
      commit = Commit.CHUNK;
    } else if (c != null && !"partition".equals(c)) {
      s.error(
          "commit",
          where
              + ".commit must be partition (the default: all or nothing) or chunk (publish every"
              + " chunk_rows rows with a checkpoint), not '"
              + c
              + "'");
    }
    long chunkRows = s.integer("chunk_rows", SinkSpec.DEFAULT_CHUNK_ROWS, 1, 100_000_000);
    if (s.has("chunk_rows") && commit != Commit.CHUNK) {
      s.errorAtKey("chunk_rows", where + ".chunk_rows only applies with commit: chunk");
    }
    if (commit == Commit.CHUNK && mode == Mode.REPLACE) {
      s.error(
          where
              + ": commit: chunk cannot be used with mode replace (a partition swapped chunk by chunk would"
              + " be half old, half new while it runs); use upsert or append");
    }
    boolean allowEmpty = s.bool("allow_empty", false);
    if (s.has("allow_empty") && mode != Mode.REPLACE) {
      s.errorAtKey(
          "allow_empty",
          where
              + ".allow_empty only applies with mode: replace (the only mode in which an"
              + " empty source deletes rows)");
    }
    int keepVersions = (int) s.integer("keep_versions", 0, 1, MAX_KEEP_VERSIONS);
    return new PostgresSinkSpec(
        url,
        user,
        password,
        schema,
        table,
        key,
        mode,
        partitionColumn,
        commit,
        chunkRows,
        allowEmpty,
        keepVersions);
  }

  @Override
  public Sink create(PipelineSpec pipeline, SinkContext context) {
    PostgresSinkSpec pg = (PostgresSinkSpec) pipeline.sink();
    boolean unique = pipeline.validate().unique();
    // Only a buffered pipeline's load stage carries its buffer: there a key's later record is its
    // newer version (extracted later), which must win over the earlier in one batch.
    boolean laterWins = pipeline.buffer() != null;
    if (pg.url() == null) {
      return new PostgresSink(context.metadata(), pg, pipeline.columns(), unique, laterWins, null);
    }
    SinkContext.OwnedPool own =
        context.pool(
            pg.url().reveal(),
            pg.user() == null ? null : pg.user().reveal(),
            pg.password() == null ? null : pg.password().reveal(),
            "keel-sink-" + pipeline.name());
    return new PostgresSink(own.dataSource(), pg, pipeline.columns(), unique, laterWins, own);
  }
}
