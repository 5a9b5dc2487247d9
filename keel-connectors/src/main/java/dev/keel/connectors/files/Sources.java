package dev.keel.connectors.files;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the {@link RecordSource} a pipeline's {@code source:} describes, for one partition, through
 * the provider of its kind; and resolves the paths of file sources.
 */
public final class Sources {
  /** PostgreSQL's limit on the columns of a table. */
  public static final int MAX_COLUMNS = 1600;

  private static final String PLACEHOLDER = "${partition}";

  private Sources() {}

  /**
   * @param partition the partition's name; replaces {@code ${partition}} in paths and binds {@code
   *     :partition} in queries
   * @param baseDir the folder of the pipeline file, against which relative paths resolve
   */
  public static RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir) {
    return open(spec, columns, partition, baseDir, null);
  }

  /**
   * Opens the source positioned after {@code resume}, a {@link RecordSource#position()} from an
   * earlier reading of the same partition (null: from the start).
   */
  public static RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    if (columns.size() > MAX_COLUMNS) {
      throw new KeelException(
          columns.size()
              + " columns are declared; PostgreSQL allows at most "
              + MAX_COLUMNS
              + " in a table");
    }
    return Connectors.installed()
        .source(spec.kind())
        .open(spec, columns, partition, baseDir, resume);
  }

  /**
   * Resolves a path with the partition's placeholders: {@code ${partition}}, and for a time window
   * {@code ${window}}, {@code ${value}}, {@code ${window_start}}, {@code ${window_end}}. A
   * two-dimensional partition ({@code 2026-11-28/eu}) in a path names a folder and a file.
   */
  public static Path resolve(String path, dev.keel.spec.PartitionRef partition, Path baseDir) {
    if (partition.window() == null) {
      return resolve(path, partition.name(), baseDir);
    }
    String p = path;
    for (var v : partition.variables().entrySet()) {
      String placeholder = "${" + v.getKey() + "}";
      if (p.contains(placeholder)) {
        for (String segment : v.getValue().split("/", -1)) {
          if (segment.isEmpty()
              || segment.contains("\\")
              || segment.equals(".")
              || segment.equals("..")) {
            throw new KeelException(
                "partition '"
                    + partition.name()
                    + "' cannot be used in the path "
                    + path
                    + "; its "
                    + v.getKey()
                    + " would make an empty, . or .. path segment");
          }
        }
        p = p.replace(placeholder, v.getValue());
      }
    }
    Path resolved = Path.of(p);
    if (!resolved.isAbsolute() && baseDir != null) {
      resolved = baseDir.resolve(resolved);
    }
    return resolved.normalize();
  }

  public static Path resolve(String path, String partition, Path baseDir) {
    Path resolved = Path.of(substitute(path, partition));
    if (!resolved.isAbsolute() && baseDir != null) {
      resolved = baseDir.resolve(resolved);
    }
    return resolved.normalize();
  }

  /** {@code path} with {@code ${partition}} replaced by a partition name safe in a path. */
  public static String substitute(String path, String partition) {
    String p = path;
    if (p.contains(PLACEHOLDER)) {
      if (partition == null
          || partition.isEmpty()
          || partition.contains("/")
          || partition.contains("\\")
          || partition.equals("..")
          || partition.equals(".")) {
        throw new KeelException(
            "partition '"
                + partition
                + "' cannot be used in the path "
                + path
                + "; partition names in paths must not be empty or contain / \\ or be . or ..");
      }
      p = p.replace(PLACEHOLDER, partition);
    }
    return p;
  }
}
