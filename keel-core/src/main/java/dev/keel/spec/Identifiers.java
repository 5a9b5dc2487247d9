package dev.keel.spec;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SQL identifiers from pipeline files. Only lower-case ASCII names are accepted, at most 63 bytes
 * (PostgreSQL silently truncates longer ones, so two long names could collide). They are always
 * double-quoted in SQL, so a column may be a reserved SQL word ({@code order}, {@code user}): an
 * existing table may have one. Pipeline, table and schema names may not (they also name keel's own
 * objects and appear in commands and logs unquoted), and neither may a column whose name is a word
 * of the expression language (it could not be referred to in a transform).
 */
public final class Identifiers {
  public static final int MAX_BYTES = 63;
  private static final Pattern SIMPLE = Pattern.compile("[a-z_][a-z0-9_]*");

  /** PostgreSQL's reserved key words (those that cannot be column or table names unquoted). */
  private static final Set<String> RESERVED =
      Set.of(
          "all",
          "analyse",
          "analyze",
          "and",
          "any",
          "array",
          "as",
          "asc",
          "asymmetric",
          "both",
          "case",
          "cast",
          "check",
          "collate",
          "column",
          "constraint",
          "create",
          "current_catalog",
          "current_date",
          "current_role",
          "current_time",
          "current_timestamp",
          "current_user",
          "default",
          "deferrable",
          "desc",
          "distinct",
          "do",
          "else",
          "end",
          "except",
          "false",
          "fetch",
          "for",
          "foreign",
          "from",
          "grant",
          "group",
          "having",
          "in",
          "initially",
          "intersect",
          "into",
          "lateral",
          "leading",
          "limit",
          "localtime",
          "localtimestamp",
          "not",
          "null",
          "offset",
          "on",
          "only",
          "or",
          "order",
          "placing",
          "primary",
          "references",
          "returning",
          "select",
          "session_user",
          "some",
          "symmetric",
          "system_user",
          "table",
          "then",
          "to",
          "trailing",
          "true",
          "union",
          "unique",
          "user",
          "using",
          "variadic",
          "when",
          "where",
          "window",
          "with");

  /** Words CEL keeps for itself: a variable so named cannot be referred to in an expression. */
  private static final Set<String> EXPRESSION_WORDS =
      Set.of(
          "true",
          "false",
          "null",
          "in",
          "as",
          "break",
          "const",
          "continue",
          "else",
          "for",
          "function",
          "if",
          "import",
          "let",
          "loop",
          "package",
          "namespace",
          "return",
          "var",
          "void",
          "while");

  private Identifiers() {}

  /**
   * Null when {@code name} may be a column, else why not: reserved SQL words are allowed (always
   * quoted).
   */
  public static String columnProblem(String name) {
    String problem = syntaxProblem(name);
    if (problem == null && EXPRESSION_WORDS.contains(name)) {
      return "'" + name + "' is a reserved word of the expression language; choose another name";
    }
    return problem;
  }

  /** Null when valid as a pipeline, table or schema name, else why not (for a spec problem). */
  public static String problem(String name) {
    if (name != null && RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      return "'" + name + "' is a reserved SQL word; choose another name";
    }
    return syntaxProblem(name);
  }

  private static String syntaxProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "an identifier must not be empty";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "'"
          + abbreviate(name)
          + "' is longer than "
          + MAX_BYTES
          + " bytes (PostgreSQL would truncate it); choose a shorter name";
    }
    if (!SIMPLE.matcher(name).matches()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (SIMPLE.matcher(lower).matches()) {
        return "'"
            + name
            + "' has upper-case letters, which PostgreSQL folds to lower case; write '"
            + lower
            + "'";
      }
      String why =
          name.chars().anyMatch(c -> c > 127)
              ? "only ASCII letters are allowed (no accents or other scripts)"
              : "use lower-case letters, digits and underscores, starting with a letter or underscore";
      return "'" + abbreviate(name) + "' is not a valid identifier: " + why;
    }
    return null;
  }

  /**
   * Double-quotes an identifier that has passed {@link #problem} or {@link #columnProblem};
   * re-checks its spelling to be safe (a reserved word is fine once quoted).
   */
  public static String quote(String name) {
    String problem = syntaxProblem(name);
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
