package dev.keel.expr;

import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.types.NullableType;

/** CEL type names as a pipeline author reads them: {@code int}, not {@code wrapper(int)}. */
final class CelTypeNames {
  private CelTypeNames() {}

  /** The type with a nullable wrapper removed. */
  static CelType unwrap(CelType type) {
    return type instanceof NullableType nullable ? nullable.targetType() : type;
  }

  static String display(CelType type) {
    CelType plain = unwrap(type);
    if (plain.kind() == CelKind.TIMESTAMP) {
      return "timestamp";
    }
    if (plain.kind() == CelKind.DURATION) {
      return "duration";
    }
    return plain.name();
  }

  /** Rewrites CEL's internal type and operator names in a checker message. */
  static String readable(String celMessage) {
    return celMessage
        .replaceAll("wrapper\\((\\w+)\\)", "$1")
        .replace("google.protobuf.Timestamp", "timestamp")
        .replace("google.protobuf.Duration", "duration")
        .replaceAll("'_([^_']+)_'", "'$1'")
        .replaceAll("'([!-])_'", "'$1'");
  }
}
