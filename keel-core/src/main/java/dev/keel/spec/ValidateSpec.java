package dev.keel.spec;

import java.util.List;

/**
 * Rules every record must pass before it is published. Rejected records go to the dead-letter
 * table; when more than {@code maxRejected} are rejected the partition fails and nothing is
 * published.
 */
public record ValidateSpec(
    List<String> notNull, boolean unique, List<Check> checks, MaxRejected maxRejected) {

  public static final ValidateSpec NONE =
      new ValidateSpec(List.of(), false, List.of(), MaxRejected.NONE);

  /** A named boolean expression; a record for which it is false (or null) is rejected. */
  public record Check(String name, String expression) {}

  /** A count ({@code 10}) or a percentage of the records read ({@code "1%"}). */
  public record MaxRejected(long count, double percent) {
    /** The default: any rejected record fails the partition. */
    public static final MaxRejected NONE = new MaxRejected(0, -1);

    public boolean exceeded(long rejected, long read) {
      if (percent >= 0) {
        return read > 0 && rejected * 100.0 / read > percent;
      }
      return rejected > count;
    }

    @Override
    public String toString() {
      return percent >= 0 ? percent + "%" : Long.toString(count);
    }
  }
}
