package dev.keel.runtime;

import dev.keel.expr.Expression;
import dev.keel.expr.ExpressionCompiler;
import dev.keel.spec.Column;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.TransformSpec;
import dev.keel.spec.ValidateSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The compiled transform steps and validation rules of a pipeline, applied to one record at a time.
 */
final class Transforms {
  /** What happened to a record. */
  enum Outcome {
    KEEP,
    FILTERED,
    REJECTED
  }

  private record Step(Expression filter, int[] targets, Expression[] values) {}

  private record Check(String name, Expression predicate) {}

  private final List<Step> steps = new ArrayList<>();
  private final int[] notNull;
  private final List<Column> columns;
  private final List<Check> checks = new ArrayList<>();
  private String reason;

  Transforms(PipelineSpec spec) {
    this.columns = spec.columns();
    ExpressionCompiler compiler = new ExpressionCompiler(spec.columns());
    for (TransformSpec t : spec.transforms()) {
      if (t instanceof TransformSpec.Filter f) {
        steps.add(new Step(compiler.compilePredicate(f.expression()), null, null));
      } else if (t instanceof TransformSpec.Set s) {
        int[] targets = new int[s.assignments().size()];
        Expression[] values = new Expression[targets.length];
        int i = 0;
        for (Map.Entry<String, String> a : s.assignments().entrySet()) {
          targets[i] = spec.columnIndex(a.getKey());
          values[i] = compiler.compileValue(a.getValue(), spec.columns().get(targets[i]).type());
          i++;
        }
        steps.add(new Step(null, targets, values));
      }
    }
    ValidateSpec v = spec.validate();
    this.notNull = v.notNull().stream().mapToInt(spec::columnIndex).toArray();
    for (ValidateSpec.Check c : v.checks()) {
      checks.add(new Check(c.name(), compiler.compilePredicate(c.expression())));
    }
  }

  /**
   * Applies steps and rules to {@code row} in place; after REJECTED, {@link #reason()} says why.
   */
  Outcome apply(Object[] row) {
    for (Step step : steps) {
      try {
        if (step.filter != null) {
          if (!Boolean.TRUE.equals(step.filter.evaluate(row))) {
            return Outcome.FILTERED;
          }
        } else {
          // All assignments of one set step see the record as it was before the step.
          Object[] results = new Object[step.targets.length];
          for (int i = 0; i < results.length; i++) {
            results[i] = step.values[i].evaluate(row);
          }
          for (int i = 0; i < results.length; i++) {
            row[step.targets[i]] = results[i];
          }
        }
      } catch (RuntimeException e) {
        reason = "transform failed: " + e.getMessage();
        return Outcome.REJECTED;
      }
    }
    for (int i : notNull) {
      if (row[i] == null) {
        reason = "not_null: column " + columns.get(i).name() + " is null";
        return Outcome.REJECTED;
      }
    }
    for (Check c : checks) {
      try {
        if (!Boolean.TRUE.equals(c.predicate.evaluate(row))) {
          reason = "check " + c.name + " failed: " + c.predicate.source();
          return Outcome.REJECTED;
        }
      } catch (RuntimeException e) {
        reason = "check " + c.name + " could not be evaluated: " + e.getMessage();
        return Outcome.REJECTED;
      }
    }
    return Outcome.KEEP;
  }

  String reason() {
    return reason;
  }
}
