package dev.keel.connectors.postgres;

import dev.keel.spec.Secret;
import dev.keel.spec.SinkSpec;
import java.util.List;

/**
 * A PostgreSQL table. {@code url} null means the metadata database (embedded, or --db). Rows are
 * staged with COPY and published in one transaction together with the fence check.
 *
 * @param partitionColumn the column a replace swaps by: one, or for a window crossed with values
 *     two joined by a comma (the window's column, the value's column; see {@link
 *     #partitionColumns()})
 * @param allowEmpty a replace whose source yields no record may empty the partition (refused
 *     otherwise)
 * @param keepVersions how many loads of each partition can be undone (0: none, no history kept)
 */
public record PostgresSinkSpec(
    Secret url,
    Secret user,
    Secret password,
    String schema,
    String table,
    List<String> key,
    Mode mode,
    String partitionColumn,
    Commit commit,
    long chunkRows,
    boolean allowEmpty,
    int keepVersions)
    implements SinkSpec {
  public static final String KIND = "postgres";

  /** Without versions kept. */
  public PostgresSinkSpec(
      Secret url,
      Secret user,
      Secret password,
      String schema,
      String table,
      List<String> key,
      Mode mode,
      String partitionColumn,
      Commit commit,
      long chunkRows,
      boolean allowEmpty) {
    this(
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
        0);
  }

  /** The columns a replace swaps by, in the order of the partition name's parts. */
  public List<String> partitionColumns() {
    return partitionColumn == null ? List.of() : List.of(partitionColumn.split(","));
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String target() {
    return schema + "." + table;
  }

  @Override
  public String endpoint() {
    return url == null ? null : url.reveal();
  }

  @Override
  public PostgresSinkSpec withMode(Mode other) {
    return new PostgresSinkSpec(
        url,
        user,
        password,
        schema,
        table,
        key,
        other,
        partitionColumn,
        commit,
        chunkRows,
        allowEmpty,
        keepVersions);
  }
}
