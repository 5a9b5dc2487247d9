package dev.keel.expr;

/** A compiled, type-checked expression over one record's values (declared-column order). */
public interface Expression {
  /**
   * Evaluates against one record. A predicate returns a Boolean (null counts as false); a value
   * expression returns the Java type of its target column (see {@link dev.keel.spec.ColumnType}).
   *
   * @throws ExpressionException when evaluation fails for this record (division by zero, overflow):
   *     the caller rejects the record with the message.
   */
  Object evaluate(Object[] row);

  /** The expression as written. */
  String source();
}
