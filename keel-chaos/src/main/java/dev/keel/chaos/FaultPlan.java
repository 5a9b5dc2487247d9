package dev.keel.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The seeded schedule of faults: the kinds in a shuffled cycle (each kind once before any twice), a
 * random node, how long an outage lasts, and the pause before the next fault. The same seed gives
 * the same schedule; only the moments the cluster takes to recover differ between two sessions.
 */
final class FaultPlan {
  static final Duration MIN_GAP = Duration.ofSeconds(1);
  static final Duration MAX_GAP = Duration.ofSeconds(4);
  static final Duration MIN_OUTAGE = Duration.ofSeconds(1);
  static final Duration MAX_OUTAGE = Duration.ofSeconds(3);

  /** One fault to inject: its kind, the node's index (modulo the nodes), how long it lasts. */
  record Step(FaultKind kind, int node, Duration outage) {}

  private final List<FaultKind> kinds;
  private final Random random;
  private final List<FaultKind> cycle = new ArrayList<>();

  FaultPlan(List<FaultKind> kinds, Random random) {
    this.kinds = kinds;
    this.random = random;
  }

  Step next() {
    if (cycle.isEmpty()) {
      cycle.addAll(kinds);
      Collections.shuffle(cycle, random);
    }
    return new Step(cycle.remove(0), random.nextInt(1 << 16), between(MIN_OUTAGE, MAX_OUTAGE));
  }

  Duration gap() {
    return between(MIN_GAP, MAX_GAP);
  }

  private Duration between(Duration min, Duration max) {
    return min.plusMillis(random.nextInt((int) (max.toMillis() - min.toMillis()) + 1));
  }
}
