package dev.keel.connectors.postgres;

import dev.keel.spec.Column;
import dev.keel.spec.ColumnType;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * The keys staged since the last commit, remembered approximately in a fixed amount of memory (a
 * split-block Bloom filter, as Parquet's: each key sets one bit in each of the eight 32-bit words
 * of one 256-bit block, so an insert touches one cache line). It answers one question at publish:
 * could a key have been staged twice? "No" is certain, and lets the publish skip the SQL
 * duplicate-key pass over the stage; "maybe" (a repeat, a false positive, a NULL key, a value whose
 * equality in PostgreSQL is not its equality here) runs that pass as before, so which row is
 * rejected never depends on this filter.
 *
 * <p>Only key columns whose PostgreSQL equality is exactly the Java value's equality are hashed:
 * integers, text, boolean, date, and timestamps at whole microseconds. numeric, real and double
 * (rounded to the column's scale or to float4 in the stage), varchar(n) (trailing spaces cut) and
 * anything else always answer "maybe".
 */
final class SeenKeys {
  /** The filter's size: 16 MiB keeps a false "maybe" unlikely up to about 1.5M keys per batch. */
  static final int BYTES = 16 << 20;

  private static final int[] SALT = {
    0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31
  };

  private static final long SEED = 0x9e3779b97f4a7c15L;

  /** Blocks touched since the last reset, up to this many, cleared one by one (small batches). */
  private static final int TRACKED = 4096;

  private final int[] keyIndexes;
  private final ColumnType.Kind[] keyKinds;
  private final int bytes;
  private int[] words;
  private int blocks;
  private final int[] touched = new int[TRACKED];
  private long added;
  private boolean maybeRepeated;

  /** Keys (one column) have risen strictly so far: {@link #risen} of them, from low to high. */
  private boolean rising = true;

  private long risen;
  private long[] prefix;
  private long low;
  private long high;

  /** Keys from low to high passed {@link #rising} without the filter. */
  private boolean ranged;

  private SeenKeys(int[] keyIndexes, ColumnType.Kind[] keyKinds, int bytes) {
    this.keyIndexes = keyIndexes;
    this.keyKinds = keyKinds;
    this.bytes = bytes;
  }

  /**
   * A filter for {@code key} of rows laid out as {@code columns}, or null when a key column's type
   * cannot be hashed safely (the SQL pass then always runs). Its memory is taken at the first key
   * that does not rise.
   */
  static SeenKeys forKey(List<Column> columns, List<String> key) {
    return forKey(columns, key, (int) Math.min(BYTES, Runtime.getRuntime().maxMemory() / 16));
  }

  static SeenKeys forKey(List<Column> columns, List<String> key, int bytes) {
    if (key.isEmpty()) {
      return null;
    }
    int[] indexes = new int[key.size()];
    ColumnType.Kind[] kinds = new ColumnType.Kind[key.size()];
    for (int k = 0; k < key.size(); k++) {
      indexes[k] = -1;
      for (int i = 0; i < columns.size(); i++) {
        if (columns.get(i).name().equals(key.get(k))) {
          indexes[k] = i;
        }
      }
      if (indexes[k] < 0 || !hashable(columns.get(indexes[k]).type().kind())) {
        return null;
      }
      kinds[k] = columns.get(indexes[k]).type().kind();
    }
    return new SeenKeys(indexes, kinds, Math.max(32, bytes & ~31));
  }

  private static boolean hashable(ColumnType.Kind kind) {
    return switch (kind) {
      case SMALLINT, INTEGER, BIGINT, TEXT, BOOLEAN, DATE, TIMESTAMP, TIMESTAMPTZ -> true;
      case NUMERIC, REAL, DOUBLE, VARCHAR -> false;
    };
  }

  /** Remembers the key of one staged row. */
  void add(Object[] values) {
    if (maybeRepeated) {
      return;
    }
    long h = SEED;
    for (int k = 0; k < keyIndexes.length; k++) {
      Object v = values[keyIndexes[k]];
      long part = 0;
      boolean exact =
          switch (keyKinds[k]) {
            case SMALLINT, INTEGER, BIGINT -> {
              if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                part = ((Number) v).longValue();
                yield true;
              }
              yield false;
            }
            case TEXT -> {
              if (v instanceof String s) {
                part = text(s);
                yield true;
              }
              yield false;
            }
            case BOOLEAN -> {
              if (v instanceof Boolean b) {
                part = b ? 1 : 0;
                yield true;
              }
              yield false;
            }
            case DATE -> {
              if (v instanceof LocalDate d) {
                part = d.toEpochDay();
                yield true;
              }
              yield false;
            }
            case TIMESTAMP -> {
              // Whole microseconds only: PostgreSQL rounds finer fractions, which can make two
              // different values equal in the stage.
              if (v instanceof LocalDateTime t && t.getNano() % 1000 == 0) {
                part =
                    t.toLocalDate().toEpochDay() * 86_400_000_000L
                        + t.toLocalTime().toNanoOfDay() / 1000;
                yield true;
              }
              yield false;
            }
            case TIMESTAMPTZ -> {
              if (v instanceof OffsetDateTime t && t.getNano() % 1000 == 0) {
                part = t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
                yield true;
              }
              yield false;
            }
            default -> false;
          };
      if (!exact) {
        // NULL (the SQL pass groups NULL keys as one value), or a value not hashed exactly here.
        maybeRepeated = true;
        return;
      }
      if (keyIndexes.length == 1 && !ordered(part)) {
        return;
      }
      h = mix(h * 31 + part);
    }
    if (!put(h)) {
      maybeRepeated = true;
    }
  }

  /**
   * A one-column key whose values (as {@code part}, equal exactly when the keys are) rise strictly
   * cannot repeat, and needs no filter: false when that settles this key. The first {@link
   * #TRACKED} are kept, and go into the filter when the keys stop rising, so a batch that stops
   * early loses nothing; one that stops later answers "maybe" for any later key within the range
   * risen through.
   */
  private boolean ordered(long part) {
    if (rising) {
      if (risen == 0 || part > high) {
        if (risen == 0) {
          low = part;
          if (prefix == null) {
            prefix = new long[TRACKED];
          }
        }
        if (risen < TRACKED) {
          prefix[(int) risen] = part;
        }
        high = part;
        risen++;
        return false;
      }
      rising = false;
      ranged = risen > TRACKED;
      for (int i = 0; !ranged && i < risen; i++) {
        if (!put(mix(SEED * 31 + prefix[i]))) {
          maybeRepeated = true;
          return false;
        }
      }
    }
    if (ranged && part >= low && part <= high) {
      maybeRepeated = true;
      return false;
    }
    return true;
  }

  /** Whether no key can have been added twice since the last {@link #reset}. */
  boolean noneRepeated() {
    return !maybeRepeated;
  }

  /** Rows were staged without passing here (read back from a spill file): nothing is certain. */
  void forget() {
    maybeRepeated = true;
  }

  /** A new batch begins (after a commit). */
  void reset() {
    if (added > TRACKED) {
      Arrays.fill(words, 0);
    } else {
      for (int i = 0; i < added; i++) {
        Arrays.fill(words, touched[i], touched[i] + 8, 0);
      }
    }
    added = 0;
    maybeRepeated = false;
    rising = true;
    risen = 0;
    ranged = false;
  }

  /** Sets the key's bits; false when all were set already (it may have been added before). */
  private boolean put(long h) {
    if (words == null) {
      words = new int[bytes / 4];
      blocks = words.length / 8;
    }
    int base = (int) (((h >>> 32) * blocks) >>> 32) * 8;
    int x = (int) h;
    boolean fresh = false;
    for (int i = 0; i < 8; i++) {
      int bit = 1 << ((x * SALT[i]) >>> 27);
      if ((words[base + i] & bit) == 0) {
        words[base + i] |= bit;
        fresh = true;
      }
    }
    if (added < TRACKED) {
      touched[(int) added] = base;
    }
    added++;
    return fresh;
  }

  /**
   * The string's code points, a lone surrogate counted as '?' (as its UTF-8 encoding in the COPY
   * text): equal here exactly when the bytes PostgreSQL compares are equal.
   */
  private static long text(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int cp = c;
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        cp = Character.toCodePoint(c, s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        cp = '?';
      }
      h = (h ^ cp) * 0x100000001b3L;
    }
    return h;
  }

  /** murmur3's 64-bit finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb53e2ca10c27L;
    return z ^ (z >>> 33);
  }
}
