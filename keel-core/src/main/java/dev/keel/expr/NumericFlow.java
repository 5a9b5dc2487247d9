package dev.keel.expr;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.keel.spec.ColumnType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * How numeric columns flow through one expression, read from its syntax tree. CEL computes numeric
 * as double, which holds any decimal of at most {@value #EXACT_DIGITS} significant digits and no
 * more; this class lets keel keep such values exact or refuse them, never round.
 *
 * <p>A column is <i>passed through</i> where the expression can only hand its value on unchanged:
 * the whole expression, an argument of {@code coalesce}, a branch of {@code ?:}. It is
 * <i>computed</i> where anything else reads it (arithmetic, a comparison, a function), except a
 * null test ({@code n == null}, {@code n != null}). A computing read of a value with more than
 * {@value #EXACT_DIGITS} significant digits would compare or compute with a rounded number, so it
 * rejects the record ({@link #checkInputs}).
 *
 * <p>Why the shape of the tree and not the value: a run-time rule "the double result equals an
 * input's double, so return that input exactly" is unsound: {@code m + 0.000001} equals {@code m}
 * in double when m is large, and would store {@code m} although the true sum differs. The tree
 * guarantees that a pass-through expression's result <i>is</i> one of its candidates; the run time
 * only picks which one, by comparing doubles ({@link #exactResult}), and refuses when two
 * candidates with different exact values share a double.
 */
final class NumericFlow {
  /** Any decimal with at most this many significant digits survives a round trip through double. */
  static final int EXACT_DIGITS = 15;

  private final ColumnVariables variables;
  private final TreeSet<Integer> computed = new TreeSet<>();
  private final TreeSet<Integer> candidates = new TreeSet<>();
  private final TreeSet<Integer> otherCandidates = new TreeSet<>();
  private final List<Double> literals = new ArrayList<>();
  private final boolean passThrough;
  private final int[] computedColumns; // the sets above as arrays, for the per-record loops
  private final int[] candidateColumns;

  private NumericFlow(ColumnVariables variables, CelExpr root) {
    this.variables = variables;
    this.passThrough = visit(root, true);
    this.computedColumns = computed.stream().mapToInt(Integer::intValue).toArray();
    this.candidateColumns = candidates.stream().mapToInt(Integer::intValue).toArray();
  }

  static NumericFlow of(CelAbstractSyntaxTree ast, ColumnVariables variables) {
    return new NumericFlow(variables, ast.getExpr());
  }

  /**
   * Walks {@code expr}; {@code passing} says whether its value is handed on unchanged to the
   * result. Returns whether the whole subtree only passes column values or literals on.
   */
  private boolean visit(CelExpr expr, boolean passing) {
    switch (expr.exprKind().getKind()) {
      case IDENT -> {
        int index = variables.indexOf(expr.ident().name());
        if (index >= 0 && isNumeric(index)) {
          (passing ? candidates : computed).add(index);
        } else if (index >= 0 && passing) {
          otherCandidates.add(index);
        }
        return index >= 0;
      }
      case CONSTANT -> {
        if (passing && expr.constant().getKind() == CelConstant.Kind.DOUBLE_VALUE) {
          literals.add(expr.constant().doubleValue());
        }
        return true;
      }
      case CALL -> {
        String function = expr.call().function();
        List<CelExpr> args = expr.call().args();
        if (expr.call().target().isPresent()) {
          visit(expr.call().target().get(), false);
          args.forEach(a -> visit(a, false));
          return false;
        }
        if (function.equals("coalesce") && args.size() == 2) {
          boolean a = visit(args.get(0), passing);
          boolean b = visit(args.get(1), passing);
          return a && b;
        }
        if (function.equals("_?_:_") && args.size() == 3) {
          visit(args.get(0), false);
          boolean a = visit(args.get(1), passing);
          boolean b = visit(args.get(2), passing);
          return a && b;
        }
        if ((function.equals("_==_") || function.equals("_!=_"))
            && args.size() == 2
            && nullTest(args)) {
          return false;
        }
        args.forEach(a -> visit(a, false));
        return false;
      }
      default -> {
        // No other kind reads a column in the expressions keel allows; visit children defensively.
        CelNavigableExpr.fromExpr(expr).children().forEach(c -> visit(c.expr(), false));
        return false;
      }
    }
  }

  private static boolean nullTest(List<CelExpr> args) {
    return isNull(args.get(0)) && args.get(1).exprKind().getKind() == CelExpr.ExprKind.Kind.IDENT
        || isNull(args.get(1)) && args.get(0).exprKind().getKind() == CelExpr.ExprKind.Kind.IDENT;
  }

  private static boolean isNull(CelExpr expr) {
    return expr.exprKind().getKind() == CelExpr.ExprKind.Kind.CONSTANT
        && expr.constant().getKind() == CelConstant.Kind.NULL_VALUE;
  }

  private boolean isNumeric(int index) {
    return variables.columns().get(index).type().kind() == ColumnType.Kind.NUMERIC;
  }

  /**
   * Refuses the record when a computing read would see a numeric value that double cannot hold: a
   * comparison or sum of two such values could be silently wrong.
   */
  void checkInputs(Object[] row) {
    for (int index : computedColumns) {
      // precision() counts trailing zeros, so it is an upper bound that spares the strip mostly.
      if (index < row.length
          && row[index] instanceof BigDecimal value
          && value.precision() > EXACT_DIGITS) {
        int digits = significantDigits(value);
        if (digits > EXACT_DIGITS) {
          throw new ExpressionException(
              "column '"
                  + variables.columns().get(index).name()
                  + "' holds "
                  + value.toPlainString()
                  + ", "
                  + digits
                  + " significant digits; expressions compute numbers as double, exact to "
                  + EXACT_DIGITS
                  + ", so keel rejects the record instead of rounding it (an expression"
                  + " that only passes the column on, such as n or coalesce(n, 0.0), keeps it exact)",
              0);
        }
      }
    }
  }

  /**
   * The exact value of a pass-through expression's {@code result}: the numeric candidate whose
   * double it is; null when it is not a pass-through expression or the result is not a numeric
   * column's value (a literal, a double column), which the caller then treats as computed.
   */
  BigDecimal exactResult(Object result, Object[] row) {
    if (!passThrough || !(result instanceof Double d)) {
      return null;
    }
    BigDecimal found = null;
    for (int index : candidateColumns) {
      if (index < row.length
          && row[index] instanceof BigDecimal value
          && value.doubleValue() == d) {
        if (found != null && found.compareTo(value) != 0) {
          throw new ExpressionException(
              "result "
                  + d
                  + " could be "
                  + found.toPlainString()
                  + " or "
                  + value.toPlainString()
                  + " (equal as double); keel rejects the record instead of guessing",
              0);
        }
        found = value;
      }
    }
    if (found != null
        && BigDecimal.valueOf(d).compareTo(found) != 0
        && anotherSourceGives(d, row)) {
      throw new ExpressionException(
          "result "
              + d
              + " could be "
              + found.toPlainString()
              + " or "
              + BigDecimal.valueOf(d).toPlainString()
              + " (equal as double); keel rejects the record instead of guessing",
          0);
    }
    return found;
  }

  /** Whether a literal or a real/double column passed through also equals {@code d}. */
  private boolean anotherSourceGives(double d, Object[] row) {
    for (double literal : literals) {
      if (literal == d) {
        return true;
      }
    }
    for (int index : otherCandidates) {
      if (index < row.length && row[index] instanceof Double value && value == d) {
        return true;
      }
    }
    return false;
  }

  static int significantDigits(BigDecimal value) {
    return value.signum() == 0 ? 1 : value.stripTrailingZeros().precision();
  }
}
