package dev.keel.chaos;

import java.util.List;

/**
 * One invariant checked from the data after the faults: its name, whether it held, what was
 * counted, and each thing that broke it.
 */
public record Check(String name, boolean ok, String detail, List<String> problems) {
  /** The most problems a check lists (the count says how many there were). */
  static final int MAX_LISTED = 20;

  static Check of(String name, String detail, List<String> problems) {
    List<String> listed =
        problems.size() <= MAX_LISTED
            ? List.copyOf(problems)
            : List.copyOf(problems.subList(0, MAX_LISTED));
    String counted =
        problems.size() <= MAX_LISTED
            ? detail
            : detail + "; " + problems.size() + " problems, the first " + MAX_LISTED + " listed";
    return new Check(name, problems.isEmpty(), counted, listed);
  }
}
