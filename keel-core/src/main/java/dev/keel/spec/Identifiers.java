package dev.keel.spec;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SQL identifiers from pipeline files. Only lower-case ASCII names are accepted, at most 63 bytes
 * (PostgreSQL silently truncates longer ones, so two long names could collide), and never a
 * reserved word. They are still always double-quoted in SQL.
 */
public final class Identifiers {
  public static final int MAX_BYTES = 63;
  private static final Pattern SIMPLE = Pattern.compile("[a-z_][a-z0-9_]*");

  /** PostgreSQL's reserved key words (those that cannot be column or table names unquoted). */
  private static final Set<String> RESERVED = Set.of(
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case",
      "cast", "check", "collate", "column", "constraint", "create", "current_catalog", "current_date",
      "current_role", "current_time", "current_timestamp", "current_user", "default", "deferrable",
      "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from",
      "grant", "group", "having", "in", "initially", "intersect", "into", "lateral", "leading",
      "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
      "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric",
      "system_user", "table", "then", "to", "trailing", "true", "union", "unique", "user", "using",
      "variadic", "when", "where", "window", "with");

  private Identifiers() {}

  /** Null when valid, else why not (for a spec problem). */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "an identifier must not be empty";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "'" + abbreviate(name) + "' is longer than " + MAX_BYTES
          + " bytes (PostgreSQL would truncate it); choose a shorter name";
    }
    if (!SIMPLE.matcher(name).matches()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (RESERVED.contains(lower)) {
        return "'" + name + "' is a reserved SQL word; choose another name";
      }
      if (SIMPLE.matcher(lower).matches()) {
        return "'" + name + "' has upper-case letters, which PostgreSQL folds to lower case; write '" + lower + "'";
      }
      String why = name.chars().anyMatch(c -> c > 127)
          ? "only ASCII letters are allowed (no accents or other scripts)"
          : "use lower-case letters, digits and underscores, starting with a letter or underscore";
      return "'" + abbreviate(name) + "' is not a valid identifier: " + why;
    }
    if (RESERVED.contains(name)) {
      return "'" + name + "' is a reserved SQL word; choose another name";
    }
    return null;
  }

  /** Double-quotes an identifier that has passed {@link #problem}; re-checks to be safe. */
  public static String quote(String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return '"' + name + '"';
  }

  private static String abbreviate(String s) {
    String printable = s.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > 80 ? printable.substring(0, 77) + "..." : printable;
  }
}
