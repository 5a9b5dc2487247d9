package dev.keel.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The faults {@code keel chaos} injects. */
public enum FaultKind {
  /** SIGKILL a node (no drain, leases left to expire) and start a replacement under its id. */
  KILL,
  /** SIGSTOP a node for longer than its lease, then SIGCONT: a zombie that must not publish. */
  FREEZE,
  /** Break every connection between the nodes and the database, refuse new ones, then heal. */
  CUT,
  /** Stop the PostgreSQL keel chaos started and start it again on its data. */
  RESTART;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every kind's label, for messages: "kill, freeze, cut, restart". */
  public static String labels() {
    return Arrays.stream(values()).map(FaultKind::label).collect(Collectors.joining(", "));
  }

  /**
   * Parses {@code kill,freeze}; an unknown kind is an {@link IllegalArgumentException} naming it.
   */
  public static List<FaultKind> parseList(String text) {
    List<FaultKind> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String label = part.strip().toLowerCase(Locale.ROOT);
      if (label.isEmpty()) {
        continue;
      }
      FaultKind kind =
          Arrays.stream(values())
              .filter(k -> k.label().equals(label))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown fault '" + part.strip() + "'; use any of " + labels()));
      if (!out.contains(kind)) {
        out.add(kind);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no fault named; use any of " + labels());
    }
    return List.copyOf(out);
  }
}
