package dev.keel.connectors.jdbc;

import dev.keel.spec.PartitionRef;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Replaces the named parameters in a query with {@code ?}, leaving alone PostgreSQL casts ({@code
 * ::text}), string literals, quoted identifiers and comments: {@code :partition} always, and for a
 * time window {@code :window}, {@code :value}, {@code :window_start} and {@code :window_end} (the
 * last two bound as timestamptz).
 */
record PartitionQuery(String sql, List<String> names) {
  static final Set<String> PARTITION = Set.of("partition");
  static final Set<String> WINDOW =
      Set.of("partition", "window", "value", "window_start", "window_end");

  static PartitionQuery of(String query) {
    return of(query, PARTITION);
  }

  /** The number of parameters. */
  int parameters() {
    return names.size();
  }

  /** Binds each parameter to the partition's value of its name. */
  void bind(PreparedStatement ps, PartitionRef partition) throws SQLException {
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      switch (name) {
        case "window_start" -> ps.setObject(i + 1, partition.window().start().toOffsetDateTime());
        case "window_end" -> ps.setObject(i + 1, partition.window().end().toOffsetDateTime());
        default -> ps.setString(i + 1, partition.variables().get(name));
      }
    }
  }

  static PartitionQuery of(String query, PartitionRef partition) {
    return of(query, partition.window() == null ? PARTITION : WINDOW);
  }

  static PartitionQuery of(String query, Set<String> known) {
    StringBuilder out = new StringBuilder(query.length());
    List<String> names = new ArrayList<>();
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
      } else if (c == ':' && known.contains(identifierAt(query, i + 1))) {
        String name = identifierAt(query, i + 1);
        out.append('?');
        names.add(name);
        i += 1 + name.length();
      } else {
        out.append(c);
        i++;
      }
    }
    return new PartitionQuery(out.toString(), List.copyOf(names));
  }

  private static String identifierAt(String query, int start) {
    int end = start;
    while (end < query.length() && isIdentifierPart(query.charAt(end))) {
      end++;
    }
    return query.substring(start, end);
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
