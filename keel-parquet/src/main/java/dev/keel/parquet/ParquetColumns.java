package dev.keel.parquet;

import dev.keel.KeelException;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * The declared columns found in a Parquet file's schema, by exact name, each with the reader that
 * turns its values into text for {@link dev.keel.record.Coercion} (the rule every source follows).
 * Whether a Parquet type can be read as a declared type is decided here, once, before any row is
 * read: a declared column the file lacks, a nested or repeated field, or a pair of types that does
 * not fit (a double into numeric would round) refuses the file, naming the column and what to do.
 */
final class ParquetColumns {
  private final MessageType projection;
  private final ParquetValues.Reader[] readers;
  private final Set<ColumnPath> paths = new HashSet<>();

  private ParquetColumns(MessageType projection, ParquetValues.Reader[] readers) {
    this.projection = projection;
    this.readers = readers;
    projection.getPaths().forEach(p -> paths.add(ColumnPath.get(p)));
  }

  /** The paths of the declared columns, to find their chunks in a row group. */
  Set<ColumnPath> paths() {
    return paths;
  }

  /** A declared column compressed with a codec keel cannot read fails before any row is read. */
  void checkCodecs(String file, List<BlockMetaData> rowGroups) {
    for (int g = 0; g < rowGroups.size(); g++) {
      for (ColumnChunkMetaData chunk : rowGroups.get(g).getColumns()) {
        if (paths.contains(chunk.getPath()) && !Codecs.SUPPORTED.contains(chunk.getCodec())) {
          throw new KeelException(
              file
                  + ": column '"
                  + chunk.getPath().toDotString()
                  + "' (row group "
                  + (g + 1)
                  + "): "
                  + new Codecs.Unsupported(chunk.getCodec()).getMessage());
        }
      }
    }
  }

  /** Only the declared columns, in declared order: what is read from each row group. */
  MessageType projection() {
    return projection;
  }

  /** The text of column {@code c} of {@code row} (a row of {@link #projection()}), or null. */
  String text(Group row, int c) {
    return row.getFieldRepetitionCount(c) == 0 ? null : readers[c].read(row, c);
  }

  static ParquetColumns of(String file, MessageType schema, List<Column> columns) {
    List<Type> fields = new ArrayList<>();
    ParquetValues.Reader[] readers = new ParquetValues.Reader[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      Column column = columns.get(c);
      Type field = field(file, schema, column.name());
      if (!field.isPrimitive()) {
        throw refuse(
            file,
            column,
            "is a nested group in the file ("
                + shape(field)
                + "); keel columns are scalar: flatten it before loading, or leave it out of"
                + " columns:");
      }
      if (field.isRepetition(Type.Repetition.REPEATED)) {
        throw refuse(
            file,
            column,
            "is a repeated field in the file (a list of values); keel columns are scalar:"
                + " flatten it before loading, or leave it out of columns:");
      }
      readers[c] = reader(file, column, field.asPrimitiveType());
      fields.add(field);
    }
    return new ParquetColumns(new MessageType(schema.getName(), fields), readers);
  }

  private static Type field(String file, MessageType schema, String name) {
    if (schema.containsField(name)) {
      return schema.getType(name);
    }
    List<String> names = schema.getFields().stream().map(Type::getName).toList();
    String near =
        names.stream()
            .filter(n -> n.equalsIgnoreCase(name))
            .findFirst()
            .map(n -> "; did you mean '" + n + "' (names are matched exactly)?")
            .orElse("; declare only columns the file has, by their names in the file");
    throw new KeelException(
        file + ": has no column '" + name + "' (it has " + String.join(", ", names) + ")" + near);
  }

  private static ParquetValues.Reader reader(String file, Column column, PrimitiveType type) {
    PrimitiveTypeName physical = type.getPrimitiveTypeName();
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    Kind kind = column.type().kind();
    if (physical == PrimitiveTypeName.INT96) {
      // Spark's and Impala's legacy timestamp: an instant, as they write it
      if (kind == Kind.TIMESTAMPTZ) {
        return ParquetValues.int96();
      }
      throw refuse(
          file,
          column,
          "is INT96 in the file, a legacy timestamp that holds an instant, which keel cannot read"
              + " as "
              + column.type().sql()
              + "; declare it timestamptz");
    }
    ParquetValues.Reader reader =
        switch (kind) {
          case SMALLINT, INTEGER, BIGINT ->
              logical instanceof DecimalLogicalTypeAnnotation d && d.getScale() > 0
                  ? null // every value would carry a fraction ("12.00")
                  : ParquetValues.integerOrDecimal(physical, logical);
          case NUMERIC -> ParquetValues.integerOrDecimal(physical, logical);
          case REAL, DOUBLE ->
              physical == PrimitiveTypeName.FLOAT || physical == PrimitiveTypeName.DOUBLE
                  ? ParquetValues.floating(physical)
                  : ParquetValues.integerOrDecimal(physical, logical);
          case BOOLEAN -> physical == PrimitiveTypeName.BOOLEAN ? ParquetValues.bool() : null;
          case TEXT, VARCHAR -> ParquetValues.text(physical, logical);
          case DATE ->
              physical == PrimitiveTypeName.INT32
                      && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
                  ? ParquetValues.date()
                  : null;
          case TIMESTAMP ->
              logical instanceof TimestampLogicalTypeAnnotation ts && !ts.isAdjustedToUTC()
                  ? ParquetValues.timestamp(ts)
                  : null;
          case TIMESTAMPTZ ->
              logical instanceof TimestampLogicalTypeAnnotation ts
                  ? ParquetValues.timestamp(ts)
                  : null;
        };
    if (reader != null) {
      return reader;
    }
    throw refuse(
        file,
        column,
        "is "
            + describe(type)
            + " in the file, which keel cannot read as "
            + column.type().sql()
            + "; "
            + suggest(physical, logical));
  }

  private static KeelException refuse(String file, Column column, String problem) {
    return new KeelException(file + ": column '" + column.name() + "' " + problem);
  }

  /** A Parquet type as its schema prints it: {@code INT64 TIMESTAMP(MICROS,true)}. */
  static String describe(PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    return type.getPrimitiveTypeName() + (logical == null ? "" : " " + logical);
  }

  private static String shape(Type field) {
    LogicalTypeAnnotation logical = field.getLogicalTypeAnnotation();
    if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
      return "a LIST";
    }
    if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
      return "a MAP";
    }
    return "a struct";
  }

  /** The keel types a Parquet type can be read as, for the message that refuses another. */
  private static String suggest(PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
    boolean known =
        logical == null
            || logical instanceof IntLogicalTypeAnnotation
            || logical instanceof DecimalLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
            || logical instanceof TimestampLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    if (!known) {
      return "keel has no column type for "
          + logical
          + ": leave the column out of columns:, or convert it before loading";
    }
    return "declare it " + kinds(physical, logical);
  }

  private static String kinds(PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
    if (logical instanceof TimestampLogicalTypeAnnotation ts) {
      return ts.isAdjustedToUTC()
          ? "timestamptz (the file stores instants, adjusted to UTC)"
          : "timestamp, or timestamptz (read in the source's timezone:)";
    }
    if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return "date";
    }
    if (logical instanceof DecimalLogicalTypeAnnotation d) {
      return "numeric(" + d.getPrecision() + "," + d.getScale() + ")";
    }
    return switch (physical) {
      case BOOLEAN -> "boolean";
      case INT32 -> "integer (or bigint, numeric)";
      case INT64 -> "bigint (or numeric)";
      case FLOAT -> "real (or double precision)";
      case DOUBLE -> "double precision";
      case BINARY, FIXED_LEN_BYTE_ARRAY -> "text";
      case INT96 -> "timestamptz";
    };
  }
}
