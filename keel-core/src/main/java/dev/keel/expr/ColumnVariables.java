package dev.keel.expr;

import dev.cel.common.types.CelType;
import dev.cel.common.types.NullableType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.runtime.CelVariableResolver;
import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The record's columns as CEL variables: their declared CEL types, and a resolver that reads one
 * record's {@code Object[]} without copying it into a map. Values are converted only when the
 * expression reads them.
 */
final class ColumnVariables {
  private final List<Column> columns;
  private final Map<String, Integer> indexByName = new HashMap<>();

  ColumnVariables(List<Column> columns) {
    this.columns = List.copyOf(columns);
    for (int i = 0; i < this.columns.size(); i++) {
      Column column = this.columns.get(i);
      if (indexByName.putIfAbsent(column.name(), i) != null) {
        throw new ExpressionException("column '" + column.name() + "' is declared twice", 0);
      }
    }
  }

  List<Column> columns() {
    return columns;
  }

  /** Column names in declared order, comma separated, for messages. */
  String names() {
    return String.join(", ", columns.stream().map(Column::name).toList());
  }

  /** Index of the named column, or -1. */
  int indexOf(String name) {
    Integer index = indexByName.get(name);
    return index == null ? -1 : index;
  }

  /**
   * The CEL type a column is declared with. Scalars are wrapper types ({@code wrapper(int)} etc.),
   * which CEL allows to be null and otherwise treats as the plain type; timestamps accept null as
   * they are.
   */
  static CelType celType(ColumnType type) {
    return switch (type.kind()) {
      case SMALLINT, INTEGER, BIGINT -> NullableType.create(SimpleType.INT);
      case NUMERIC, REAL, DOUBLE -> NullableType.create(SimpleType.DOUBLE);
      case BOOLEAN -> NullableType.create(SimpleType.BOOL);
      case TEXT, VARCHAR -> NullableType.create(SimpleType.STRING);
      case DATE, TIMESTAMP, TIMESTAMPTZ -> SimpleType.TIMESTAMP;
    };
  }

  /** A resolver over one record; allocated once per evaluation. */
  CelVariableResolver resolverFor(Object[] row) {
    return name -> {
      Integer index = indexByName.get(name);
      if (index == null || index >= row.length) {
        return Optional.empty();
      }
      return Optional.of(toCel(row[index], columns.get(index)));
    };
  }

  private static Object toCel(Object value, Column column) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    ColumnType type = column.type();
    return switch (type.kind()) {
      case SMALLINT, INTEGER, BIGINT -> expect(value, Long.class, column);
      case NUMERIC -> expect(value, BigDecimal.class, column).doubleValue();
      case REAL, DOUBLE -> expect(value, Double.class, column);
      case BOOLEAN -> expect(value, Boolean.class, column);
      case TEXT, VARCHAR -> expect(value, String.class, column);
      case DATE -> expect(value, LocalDate.class, column).atStartOfDay().toInstant(ZoneOffset.UTC);
      case TIMESTAMP -> expect(value, LocalDateTime.class, column).toInstant(ZoneOffset.UTC);
      case TIMESTAMPTZ -> expect(value, OffsetDateTime.class, column).toInstant();
    };
  }

  private static <T> T expect(Object value, Class<T> javaType, Column column) {
    if (!javaType.isInstance(value)) {
      throw new ExpressionException(
          "column '"
              + column.name()
              + "' ("
              + column.type()
              + ") holds a "
              + value.getClass().getSimpleName()
              + ", expected "
              + javaType.getSimpleName()
              + "; this is a bug in the source that produced the record",
          0);
    }
    return javaType.cast(value);
  }
}
