package dev.keel.expr;

import dev.cel.common.CelErrorCode;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One checked expression and its CEL program, evaluated per record.
 *
 * <p>Null semantics, as in SQL: when a function or operator is applied to a null column value (CEL
 * reports "no matching overload"), a predicate gives {@code false} and a value expression gives
 * {@code null}. Guards such as {@code x != null && x > 0} and {@code coalesce(x, '')} work as
 * written, because CEL's {@code &&}, {@code ||} and {@code ?:} absorb an error on the side they do
 * not need. Any other failure (division by zero, overflow, a value that does not fit its column) is
 * an ExpressionException for that record.
 *
 * <p>Cost: a null reaching an operator is detected through CEL's evaluation error, which takes a
 * few microseconds; an explicit guard ({@code x != null && ...}) avoids it on null-heavy data.
 */
final class CompiledExpression implements Expression {
  private static final Pattern CEL_EVAL_ERROR =
      Pattern.compile("evaluation error at <input>:(\\d+): (.*)", Pattern.DOTALL);

  private static final int MAX_MESSAGE = 500;

  private final String source;
  private final CelRuntime.Program program;
  private final ColumnVariables variables;
  private final int[] referencedColumns;
  private final ResultConverter converter; // null for a predicate
  private final NumericFlow numericFlow;

  CompiledExpression(
      String source,
      CelRuntime.Program program,
      ColumnVariables variables,
      int[] referencedColumns,
      ResultConverter converter,
      NumericFlow numericFlow) {
    this.source = source;
    this.program = program;
    this.variables = variables;
    this.referencedColumns = referencedColumns;
    this.converter = converter;
    this.numericFlow = numericFlow;
  }

  @Override
  public Object evaluate(Object[] row) {
    Object result;
    try {
      numericFlow.checkInputs(row);
      result = program.eval(variables.resolverFor(row));
    } catch (CelEvaluationException e) {
      if (e.getErrorCode() == CelErrorCode.OVERLOAD_NOT_FOUND && readsNull(row)) {
        return converter == null ? Boolean.FALSE : null;
      }
      throw failed(e);
    } catch (ExpressionException e) {
      throw new ExpressionException(
          "expression '" + source + "' failed: " + e.getMessage(), e.column(), e);
    } catch (RuntimeException e) {
      throw new ExpressionException("expression '" + source + "' failed: " + e, 0, e);
    }
    if (converter == null) {
      return Boolean.TRUE.equals(result);
    }
    try {
      BigDecimal exact = converter.keepsDecimals() ? numericFlow.exactResult(result, row) : null;
      return converter.convert(exact != null ? exact : result);
    } catch (ExpressionException e) {
      throw new ExpressionException("expression '" + source + "' failed: " + e.getMessage(), 0, e);
    }
  }

  private boolean readsNull(Object[] row) {
    for (int index : referencedColumns) {
      if (index < row.length && row[index] == null) {
        return true;
      }
    }
    return false;
  }

  private ExpressionException failed(CelEvaluationException e) {
    Matcher m = CEL_EVAL_ERROR.matcher(String.valueOf(e.getMessage()));
    if (m.matches()) {
      int column = Integer.parseInt(m.group(1)) + 1;
      return new ExpressionException(
          "expression '" + source + "' failed at column " + column + ": " + capped(m.group(2)),
          column,
          e);
    }
    return new ExpressionException(
        "expression '" + source + "' failed: " + capped(e.getMessage()), 0, e);
  }

  /** CEL prints a failed function's arguments, which can be whole field values: keep the start. */
  private static String capped(String message) {
    return message.length() <= MAX_MESSAGE
        ? message
        : message.substring(0, MAX_MESSAGE) + "… (" + message.length() + " characters)";
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return source;
  }
}
