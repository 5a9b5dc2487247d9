package dev.keel.server.api;

/** What a token may do: a viewer reads, an operator also acts (trigger, backfill, retry, pause). */
public enum Role {
  VIEWER,
  OPERATOR;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Role parse(String s) {
    return switch (s) {
      case "viewer" -> VIEWER;
      case "operator" -> OPERATOR;
      default ->
          throw new IllegalArgumentException("role must be viewer or operator, not '" + s + "'");
    };
  }
}
