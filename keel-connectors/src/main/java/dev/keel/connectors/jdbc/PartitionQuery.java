package dev.keel.connectors.jdbc;

/**
 * Replaces the named parameter {@code :partition} in a query with {@code ?}, leaving alone
 * PostgreSQL casts ({@code ::text}), string literals, quoted identifiers and comments.
 */
record PartitionQuery(String sql, int parameters) {
  private static final String NAME = "partition";

  static PartitionQuery of(String query) {
    StringBuilder out = new StringBuilder(query.length());
    int count = 0;
    int i = 0;
    int n = query.length();
    while (i < n) {
      char c = query.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int end = closing(query, i, c);
        out.append(query, i, end);
        i = end;
      } else if (c == '-' && i + 1 < n && query.charAt(i + 1) == '-') {
        int end = query.indexOf('\n', i);
        end = end < 0 ? n : end;
        out.append(query, i, end);
        i = end;
      } else if (c == '/' && i + 1 < n && query.charAt(i + 1) == '*') {
        int end = query.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        out.append(query, i, end);
        i = end;
      } else if (c == ':' && i + 1 < n && query.charAt(i + 1) == ':') {
        out.append("::");
        i += 2;
      } else if (c == ':'
          && query.startsWith(NAME, i + 1)
          && (i + 1 + NAME.length() == n
              || !isIdentifierPart(query.charAt(i + 1 + NAME.length())))) {
        out.append('?');
        count++;
        i += 1 + NAME.length();
      } else {
        out.append(c);
        i++;
      }
    }
    return new PartitionQuery(out.toString(), count);
  }

  /** The index just after the literal or quoted identifier that starts at {@code start}. */
  private static int closing(String query, int start, char quote) {
    int i = start + 1;
    while (i < query.length()) {
      if (query.charAt(i) == quote) {
        if (i + 1 < query.length() && query.charAt(i + 1) == quote) {
          i += 2; // a doubled quote inside
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return query.length();
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
