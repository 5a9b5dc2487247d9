package dev.keel.expr;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.runtime.CelFunctionBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The global functions keel adds to CEL: {@code upper(s)}, {@code lower(s)}, {@code trim(s)},
 * {@code length(s)} and {@code coalesce(a, b)} (for string, int, double, bool and timestamp). Each
 * is a pure function of its arguments.
 */
final class KeelFunctions {
  static final List<String> NAMES = List.of("upper", "lower", "trim", "length", "coalesce");

  private static final List<CelType> COALESCE_TYPES =
      List.of(
          SimpleType.STRING,
          SimpleType.INT,
          SimpleType.DOUBLE,
          SimpleType.BOOL,
          SimpleType.TIMESTAMP);

  private KeelFunctions() {}

  static List<CelFunctionDecl> declarations() {
    List<CelOverloadDecl> coalesce = new ArrayList<>();
    for (CelType type : COALESCE_TYPES) {
      coalesce.add(CelOverloadDecl.newGlobalOverload(coalesceId(type), type, type, type));
    }
    return List.of(
        stringFunction("upper", SimpleType.STRING),
        stringFunction("lower", SimpleType.STRING),
        stringFunction("trim", SimpleType.STRING),
        stringFunction("length", SimpleType.INT),
        CelFunctionDecl.newFunctionDeclaration("coalesce", coalesce),
        mixedNumeric("_==_", "equals"),
        mixedNumeric("_!=_", "not_equals"));
  }

  /**
   * {@code amount == 0}: CEL compares int with double in order but not, by default, in equality.
   */
  private static CelFunctionDecl mixedNumeric(String operator, String idPrefix) {
    return CelFunctionDecl.newFunctionDeclaration(
        operator,
        CelOverloadDecl.newGlobalOverload(
            idPrefix + "_keel_double_int", SimpleType.BOOL, SimpleType.DOUBLE, SimpleType.INT),
        CelOverloadDecl.newGlobalOverload(
            idPrefix + "_keel_int_double", SimpleType.BOOL, SimpleType.INT, SimpleType.DOUBLE));
  }

  static List<CelFunctionBinding> bindings() {
    List<CelFunctionBinding> bindings = new ArrayList<>();
    bindings.add(
        CelFunctionBinding.from("upper_string", String.class, s -> s.toUpperCase(Locale.ROOT)));
    bindings.add(
        CelFunctionBinding.from("lower_string", String.class, s -> s.toLowerCase(Locale.ROOT)));
    bindings.add(CelFunctionBinding.from("trim_string", String.class, String::strip));
    bindings.add(
        CelFunctionBinding.from(
            "length_string", String.class, s -> (long) s.codePointCount(0, s.length())));
    for (CelType type : COALESCE_TYPES) {
      // Object arguments: the first one is a NullValue exactly when it is null.
      bindings.add(
          CelFunctionBinding.from(
              coalesceId(type),
              Object.class,
              Object.class,
              (a, b) -> a instanceof NullValue ? b : a));
    }
    bindings.add(
        CelFunctionBinding.from(
            "equals_keel_double_int", Double.class, Long.class, (d, l) -> d == (double) l));
    bindings.add(
        CelFunctionBinding.from(
            "equals_keel_int_double", Long.class, Double.class, (l, d) -> d == (double) l));
    bindings.add(
        CelFunctionBinding.from(
            "not_equals_keel_double_int", Double.class, Long.class, (d, l) -> d != (double) l));
    bindings.add(
        CelFunctionBinding.from(
            "not_equals_keel_int_double", Long.class, Double.class, (l, d) -> d != (double) l));
    return bindings;
  }

  private static CelFunctionDecl stringFunction(String name, CelType result) {
    return CelFunctionDecl.newFunctionDeclaration(
        name, CelOverloadDecl.newGlobalOverload(name + "_string", result, SimpleType.STRING));
  }

  private static String coalesceId(CelType type) {
    return "coalesce_" + CelTypeNames.display(type);
  }
}
