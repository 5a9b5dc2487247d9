package dev.keel.expr;

import dev.cel.common.CelErrorCode;
import dev.cel.common.exceptions.CelRuntimeException;
import dev.cel.common.values.CelByteString;
import dev.cel.extensions.CelExtensions;
import dev.cel.extensions.CelStringExtensions;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelStandardFunctions;
import dev.cel.runtime.standard.AddOperator.AddOverload;
import java.util.EnumSet;
import java.util.List;

/**
 * The CEL functions that can make a string longer than their inputs, re-bound with a size check
 * made before the result is built: {@code +} on strings and bytes, {@code s.replace()} and {@code
 * list.join()}. CEL-Java has no cost or size limit of its own (its comprehension limit does not
 * apply: keel enables no macros), and {@code v.replace('a', v)} on a 100 KB value asks for 10 GB.
 * With every growing function bounded, no value in an evaluation exceeds {@link #MAX_CHARS}, and
 * since CEL has no variables of its own, an expression of at most 4,000 characters holds few of
 * them at once. A result over the limit fails the record, which is dead-lettered naming the
 * expression and the limit.
 *
 * <p>{@code strings.quote()} is left out of the runtime (it stays declared, so a pipeline using it
 * fails per record with "no matching overload"): it escapes, and nested calls would double.
 */
final class BoundedStrings {
  /** 16 Mi characters: twice the largest record keel reads by default (max_record_bytes 8 MiB). */
  static final int MAX_CHARS = 16 * 1024 * 1024;

  private static final EnumSet<CelStringExtensions.Function> REBOUND =
      EnumSet.of(
          CelStringExtensions.Function.REPLACE,
          CelStringExtensions.Function.JOIN,
          CelStringExtensions.Function.QUOTE);

  private BoundedStrings() {}

  /** CEL's string extension for the runtime, without the functions bound here instead. */
  static CelStringExtensions runtimeExtension() {
    EnumSet<CelStringExtensions.Function> kept = EnumSet.allOf(CelStringExtensions.Function.class);
    kept.removeAll(REBOUND);
    return CelExtensions.strings(kept);
  }

  /** CEL's standard functions without string and bytes concatenation, which are bound here. */
  static CelStandardFunctions standardFunctions() {
    return CelStandardFunctions.newBuilder()
        .filterFunctions(
            (function, overload) ->
                overload != AddOverload.ADD_STRING && overload != AddOverload.ADD_BYTES)
        .build();
  }

  static List<CelFunctionBinding> bindings() {
    return List.of(
        CelFunctionBinding.from("add_string", String.class, String.class, BoundedStrings::concat),
        CelFunctionBinding.from(
            "add_bytes", CelByteString.class, CelByteString.class, BoundedStrings::concat),
        CelFunctionBinding.from(
            "string_replace_string_string",
            List.of(String.class, String.class, String.class),
            args -> replace((String) args[0], (String) args[1], (String) args[2], -1)),
        CelFunctionBinding.from(
            "string_replace_string_string_int",
            List.of(String.class, String.class, String.class, Long.class),
            args -> replace((String) args[0], (String) args[1], (String) args[2], (Long) args[3])),
        CelFunctionBinding.from("list_join", List.class, list -> join(list, "")),
        CelFunctionBinding.from(
            "list_join_string", List.class, String.class, BoundedStrings::join));
  }

  static String concat(String a, String b) {
    check("+", (long) a.length() + b.length());
    return a.concat(b);
  }

  static CelByteString concat(CelByteString a, CelByteString b) {
    check("+", (long) a.size() + b.size());
    return a.concat(b);
  }

  /**
   * CEL's {@code replace}: the first {@code limit} non-overlapping occurrences, left to right (all
   * when negative); an empty {@code search} matches before every code point and at the end.
   */
  static String replace(String text, String search, String replacement, long limit) {
    long count = 0;
    if (search.isEmpty()) {
      count = text.codePointCount(0, text.length()) + 1L;
    } else {
      for (int at = text.indexOf(search);
          at >= 0 && (limit < 0 || count < limit);
          at = text.indexOf(search, at + search.length())) {
        count++;
      }
    }
    if (limit >= 0) {
      count = Math.min(count, limit);
    }
    if (count == 0) {
      return text;
    }
    check("replace", text.length() + count * (replacement.length() - search.length()));
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (long done = 0; done < count; done++) {
      if (search.isEmpty()) {
        out.append(replacement);
        if (from < text.length()) {
          int next = text.offsetByCodePoints(from, 1);
          out.append(text, from, next);
          from = next;
        }
      } else {
        int at = text.indexOf(search, from);
        out.append(text, from, at).append(replacement);
        from = at + search.length();
      }
    }
    return out.append(text, from, text.length()).toString();
  }

  static String join(List<?> list, String separator) {
    long length = (long) Math.max(0, list.size() - 1) * separator.length();
    for (Object element : list) {
      if (!(element instanceof String s)) {
        throw new TooLong("join: a list element is not a string");
      }
      length += s.length();
    }
    check("join", length);
    StringBuilder out = new StringBuilder((int) length);
    for (int i = 0; i < list.size(); i++) {
      out.append(i == 0 ? "" : separator).append((String) list.get(i));
    }
    return out.toString();
  }

  private static void check(String function, long length) {
    if (length > MAX_CHARS) {
      throw new TooLong(
          function
              + " would make a string of "
              + length
              + " characters; the limit is "
              + MAX_CHARS
              + " (16 Mi) per value");
    }
  }

  /**
   * A CEL runtime exception, which CEL passes on as it is: any other exception from a function is
   * wrapped in a message that prints the arguments, here megabytes of them.
   */
  static final class TooLong extends CelRuntimeException {
    private final String message;

    TooLong(String message) {
      super((Throwable) null, CelErrorCode.ITERATION_BUDGET_EXCEEDED);
      this.message = message;
    }

    @Override
    public String getMessage() {
      return message;
    }
  }
}
