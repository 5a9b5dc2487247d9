package dev.keel.parquet;

import dev.keel.spec.SourceSpec;
import java.time.ZoneId;

/**
 * A Parquet file per partition, local or {@code s3://}; columns are taken from it by name.
 *
 * @param timezone the zone of timestamps the file stores without one (not adjusted to UTC) when
 *     they are loaded into a {@code timestamptz} column
 * @param maxRowGroupBytes the most bytes of one row group's declared columns keel holds at once
 */
public record ParquetSpec(String path, ZoneId timezone, long maxRowGroupBytes)
    implements SourceSpec {
  public static final String KIND = "parquet";

  /** Spark and parquet-java write row groups of 128 MiB; pyarrow's can be larger. */
  public static final long DEFAULT_MAX_ROW_GROUP_BYTES = 512L * 1024 * 1024;

  @Override
  public String kind() {
    return KIND;
  }
}
