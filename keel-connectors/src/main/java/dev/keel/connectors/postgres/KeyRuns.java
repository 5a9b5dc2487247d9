package dev.keel.connectors.postgres;

import dev.keel.spec.Column;
import java.util.Arrays;
import java.util.List;

/**
 * The keys of the rows a direct COPY inserted into an empty target ({@link DirectCopy}), as runs of
 * consecutive integers ({@code 1..1000000} is one run), for keep_versions to record instead of one
 * key per row ({@link LoadVersions#recordCopied}): a load keyed by a sequence, an id or a day
 * number records a few rows where it recorded a million keys after a pass over the whole target.
 * Only a one-column integer key; when the keys come in more than {@link #MAX_RUNS} runs (shuffled,
 * sparse), it gives up and the keys are read back from the target as before. The heap holds at most
 * two arrays of {@link #MAX_RUNS} longs.
 */
final class KeyRuns {
  static final int MAX_RUNS = 4096;

  /** The key's index in a row's values. */
  private final int key;

  private long[] low = new long[16];
  private long[] high = new long[16];
  private int runs;
  private boolean given;

  private KeyRuns(int key) {
    this.key = key;
  }

  /** Runs of {@code key}'s values, or null when the key is not one integer column. */
  static KeyRuns forKey(List<Column> columns, List<String> key) {
    if (key.size() != 1) {
      return null;
    }
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      if (c.name().equals(key.get(0))) {
        return c.type().isIntegral() ? new KeyRuns(i) : null;
      }
    }
    return null;
  }

  /** Forgets every key (a new batch begins). */
  void reset() {
    runs = 0;
    given = false;
  }

  /** Counts the key of one row COPYed. */
  void add(Object[] values) {
    if (given) {
      return;
    }
    if (!(values[key] instanceof Long k)) {
      // A null key (the target will refuse it) or a value of another kind: read the keys back.
      given = true;
      return;
    }
    if (runs > 0) {
      int last = runs - 1;
      if (high[last] != Long.MAX_VALUE && k == high[last] + 1) {
        high[last] = k;
        return;
      }
      if (low[last] != Long.MIN_VALUE && k == low[last] - 1) {
        low[last] = k;
        return;
      }
    }
    if (runs == MAX_RUNS) {
      given = true;
      return;
    }
    if (runs == low.length) {
      low = Arrays.copyOf(low, runs * 2);
      high = Arrays.copyOf(high, runs * 2);
    }
    low[runs] = k;
    high[runs] = k;
    runs++;
  }

  /** Whether every key COPYed is in the runs. */
  boolean complete() {
    return !given;
  }

  /** The first key of each run. */
  long[] lows() {
    return Arrays.copyOf(low, runs);
  }

  /** The last key of each run (inclusive). */
  long[] highs() {
    return Arrays.copyOf(high, runs);
  }
}
