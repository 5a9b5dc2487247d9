package dev.keel.expr;

import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns CEL's parse and type-check issues into an ExpressionException that a pipeline author can
 * act on: the 1-based column inside the expression, and the names that are available.
 */
final class CompileErrors {
  private static final Pattern UNDECLARED =
      Pattern.compile("undeclared reference to '([^']+)'.*", Pattern.DOTALL);
  private static final Pattern CANDIDATES =
      Pattern.compile(" \\(candidates: .*\\)$", Pattern.DOTALL);

  private final ColumnVariables variables;

  CompileErrors(ColumnVariables variables) {
    this.variables = variables;
  }

  /** The first issue, explained; CEL's later issues are usually consequences of the first. */
  ExpressionException explain(String source, CelValidationException e) {
    if (e.getErrors().isEmpty()) {
      return new ExpressionException(
          "expression '" + source + "' is invalid: " + e.getMessage(), 0, e);
    }
    CelIssue issue = e.getErrors().get(0);
    int column = issue.getSourceLocation().getColumn() + 1; // CEL counts from 0
    Matcher undeclared = UNDECLARED.matcher(issue.getMessage());
    if (undeclared.matches()) {
      return unknownName(source, undeclared.group(1), column, e);
    }
    String message = CelTypeNames.readable(CANDIDATES.matcher(issue.getMessage()).replaceAll(""));
    return new ExpressionException(
        "expression '" + source + "' is invalid at column " + column + ": " + message, column, e);
  }

  private ExpressionException unknownName(
      String source, String name, int celColumn, Throwable cause) {
    Matcher call = Pattern.compile("\\b" + Pattern.quote(name) + "\\s*\\(").matcher(source);
    int start = -1;
    while (call.find() && call.start() < celColumn) {
      start = call.start();
    }
    if (start >= 0) {
      int column = start + 1;
      return new ExpressionException(
          "unknown function '"
              + name
              + "' at column "
              + column
              + " in '"
              + source
              + "' (keel adds: "
              + String.join(", ", KeelFunctions.NAMES)
              + "; plus CEL's standard and string functions)",
          column,
          cause);
    }
    return new ExpressionException(
        "unknown column '"
            + name
            + "' at column "
            + celColumn
            + " in '"
            + source
            + "' (columns: "
            + variables.names()
            + ")",
        celColumn,
        cause);
  }
}
