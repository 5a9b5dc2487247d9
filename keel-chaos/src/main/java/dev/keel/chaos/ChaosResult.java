package dev.keel.chaos;

import java.util.List;
import java.util.Map;

/** What a chaos session did (faults, runs) and found (checks). */
public record ChaosResult(
    ChaosSettings settings, List<Fault> faults, Map<Long, List<String>> runs, List<Check> checks) {

  public boolean ok() {
    return checks.stream().allMatch(Check::ok);
  }

  /** The names of the checks that broke, comma-separated. */
  public String broken() {
    return String.join(", ", checks.stream().filter(c -> !c.ok()).map(Check::name).toList());
  }
}
