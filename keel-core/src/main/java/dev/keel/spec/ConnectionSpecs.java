package dev.keel.spec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** Reads the {@code source:} and {@code sink:} sections, resolving secret references. */
final class ConnectionSpecs {
  /** user:password@ in a URL, or a password= parameter, written as text rather than a reference. */
  private static final Pattern LITERAL_CREDENTIALS =
      Pattern.compile("//[^/@:\\s]+:[^/@\\s]+@|(?i)password=(?![&;]|$)");
  private final YamlTree yaml;
  private final SecretResolver secrets;

  ConnectionSpecs(YamlTree yaml, SecretResolver secrets) {
    this.yaml = yaml;
    this.secrets = secrets;
  }

  SourceSpec source(Node n) {
    if (n == null) {
      return null;
    }
    Map<String, NodeTuple> map = yaml.mapping(n, "source");
    if (map == null) {
      return null;
    }
    Set<String> kinds = Set.of("csv", "jsonl", "jdbc");
    yaml.onlyKeys(map, "source", kinds);
    List<Map.Entry<String, NodeTuple>> known = map.entrySet().stream().filter(k -> kinds.contains(k.getKey())).toList();
    if (known.size() != 1) {
      if (known.size() > 1 || map.isEmpty()) {
        yaml.error(n, "source needs exactly one of csv, jsonl or jdbc");
      }
      return null; // an unknown kind (cvs:) has been reported with a suggestion
    }
    Map.Entry<String, NodeTuple> e = known.get(0);
    Map<String, NodeTuple> o = yaml.mapping(e.getValue().getValueNode(), "source." + e.getKey());
    if (o == null) {
      return null;
    }
    String where = "source." + e.getKey();
    switch (e.getKey()) {
      case "csv" -> {
        yaml.onlyKeys(o, where, Set.of("path", "header", "delimiter", "quote", "encoding", "null", "timezone", "max_record_bytes"));
        String path = requiredString(o, "path", where, e.getValue().getValueNode());
        boolean header = !o.containsKey("header") || Boolean.TRUE.equals(yaml.bool(o.get("header").getValueNode(), where + ".header"));
        char delimiter = character(o, "delimiter", ',', where);
        char quote = character(o, "quote", '"', where);
        if (quote == delimiter && o.containsKey("quote")) {
          yaml.error(o.get("quote").getValueNode(), where + ".quote is the same character as the delimiter ('"
              + (quote == '\t' ? "\\t" : String.valueOf(quote)) + "'); fields could not be told apart; choose another quote"
              + " or delimiter");
        } else if (quote == delimiter) {
          yaml.error(o.get("delimiter").getValueNode(), where + ".delimiter '" + delimiter + "' is the quote character;"
              + " choose another delimiter, or set quote: to another character");
        }
        String nullString = o.containsKey("null") ? yaml.string(o.get("null").getValueNode(), where + ".null") : null;
        return new SourceSpec.Csv(path, header, delimiter, quote, charset(o, where), nullString, zone(o, where), maxRecordBytes(o, where));
      }
      case "jsonl" -> {
        yaml.onlyKeys(o, where, Set.of("path", "encoding", "timezone", "max_record_bytes"));
        String path = requiredString(o, "path", where, e.getValue().getValueNode());
        return new SourceSpec.Jsonl(path, charset(o, where), zone(o, where), maxRecordBytes(o, where));
      }
      default -> {
        yaml.onlyKeys(o, where, Set.of("url", "user", "password", "query", "fetch_size", "timezone", "timeout"));
        Secret url = secret(o, "url", where, true, e.getValue().getValueNode());
        Secret user = secret(o, "user", where, false, null);
        Secret password = secret(o, "password", where, false, null);
        String query = requiredString(o, "query", where, e.getValue().getValueNode());
        Long fetch = o.containsKey("fetch_size") ? yaml.integer(o.get("fetch_size").getValueNode(), where + ".fetch_size", 1, 1_000_000) : Long.valueOf(10_000);
        return new SourceSpec.Jdbc(url, user, password, query, fetch == null ? 10_000 : fetch.intValue(), zone(o, where),
            timeout(o, where));
      }
    }
  }

  SinkSpec sink(Node n, String name, List<Column> columns, Partitions partitions) {
    if (n == null) {
      return null;
    }
    Map<String, NodeTuple> map = yaml.mapping(n, "sink");
    if (map == null) {
      return null;
    }
    yaml.onlyKeys(map, "sink", Set.of("postgres"));
    if (!map.containsKey("postgres")) {
      if (!map.isEmpty()) {
        return null; // an unknown kind (postgress:) has been reported with a suggestion
      }
      yaml.error(n, "sink needs 'postgres: { table: ..., key: [...], mode: upsert|append|replace }'");
      return null;
    }
    Node pn = map.get("postgres").getValueNode();
    Map<String, NodeTuple> o = yaml.mapping(pn, "sink.postgres");
    if (o == null) {
      return null;
    }
    String where = "sink.postgres";
    yaml.onlyKeys(o, where, Set.of("url", "user", "password", "schema", "table", "key", "mode", "partition_column",
        "commit", "chunk_rows", "allow_empty"));
    Secret url = secret(o, "url", where, false, null);
    Secret user = secret(o, "user", where, false, null);
    Secret password = secret(o, "password", where, false, null);
    String schema = identifier(o, "schema", "public", where);
    String table = identifier(o, "table", name, where);
    List<String> key = new ArrayList<>();
    if (o.containsKey("key")) {
      List<Node> items = yaml.sequence(o.get("key").getValueNode(), where + ".key");
      for (Node item : items == null ? List.<Node>of() : items) {
        String k = yaml.string(item, "a key column");
        if (k != null && SpecReader.isUnknown(k, columns)) {
          yaml.error(item, SpecReader.unknownColumn(where + ".key", k, columns));
        } else if (k != null) {
          key.add(k);
        }
      }
    }
    SinkSpec.Mode mode = key.isEmpty() ? SinkSpec.Mode.APPEND : SinkSpec.Mode.UPSERT;
    if (o.containsKey("mode")) {
      Node mn = o.get("mode").getValueNode();
      String m = yaml.string(mn, where + ".mode");
      try {
        mode = SinkSpec.Mode.valueOf(m == null ? "" : m.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        yaml.error(mn, where + ".mode must be upsert, append or replace, not '" + m + "'");
      }
    }
    if (mode == SinkSpec.Mode.UPSERT && key.isEmpty()) {
      yaml.error(pn, where + ": mode upsert needs key: [column, ...] naming the columns that identify a row");
    }
    String partitionColumn = null;
    if (o.containsKey("partition_column")) {
      Node pc = o.get("partition_column").getValueNode();
      partitionColumn = yaml.string(pc, where + ".partition_column");
      String pcName = partitionColumn;
      if (pcName != null && SpecReader.isUnknown(pcName, columns)) {
        yaml.error(pc, SpecReader.unknownColumn(where + ".partition_column", pcName, columns));
      }
    } else if (mode == SinkSpec.Mode.REPLACE && partitions != null && partitions.list().size() > 1) {
      yaml.error(pn, where + ": mode replace with several partitions needs partition_column: the column whose value is"
          + " the partition, so that one partition's rows can be swapped without touching the others");
    }
    SinkSpec.Commit commit = SinkSpec.Commit.PARTITION;
    if (o.containsKey("commit")) {
      Node cn = o.get("commit").getValueNode();
      String c = yaml.string(cn, where + ".commit");
      if ("chunk".equals(c)) {
        commit = SinkSpec.Commit.CHUNK;
      } else if (!"partition".equals(c)) {
        yaml.error(cn, where + ".commit must be partition (the default: all or nothing) or chunk (publish every chunk_rows"
            + " rows with a checkpoint), not '" + c + "'");
      }
    }
    long chunkRows = SinkSpec.DEFAULT_CHUNK_ROWS;
    if (o.containsKey("chunk_rows")) {
      Long rows = yaml.integer(o.get("chunk_rows").getValueNode(), where + ".chunk_rows", 1, 100_000_000);
      chunkRows = rows == null ? chunkRows : rows;
      if (commit != SinkSpec.Commit.CHUNK) {
        yaml.error(o.get("chunk_rows").getKeyNode(), where + ".chunk_rows only applies with commit: chunk");
      }
    }
    if (commit == SinkSpec.Commit.CHUNK && mode == SinkSpec.Mode.REPLACE) {
      yaml.error(pn, where + ": commit: chunk cannot be used with mode replace (a partition swapped chunk by chunk would"
          + " be half old, half new while it runs); use upsert or append");
    }
    boolean allowEmpty = false;
    if (o.containsKey("allow_empty")) {
      NodeTuple ae = o.get("allow_empty");
      allowEmpty = Boolean.TRUE.equals(yaml.bool(ae.getValueNode(), where + ".allow_empty"));
      if (mode != SinkSpec.Mode.REPLACE) {
        yaml.error(ae.getKeyNode(), where + ".allow_empty only applies with mode: replace (the only mode in which an"
            + " empty source deletes rows)");
      }
    }
    return new SinkSpec.Postgres(url, user, password, schema, table, List.copyOf(key), mode, partitionColumn, commit, chunkRows,
        allowEmpty);
  }

  private String requiredString(Map<String, NodeTuple> o, String key, String where, Node parent) {
    if (!o.containsKey(key)) {
      yaml.error(parent, where + " needs '" + key + "'");
      return null;
    }
    return yaml.string(o.get(key).getValueNode(), where + "." + key);
  }

  private String identifier(Map<String, NodeTuple> o, String key, String fallback, String where) {
    if (!o.containsKey(key)) {
      return fallback;
    }
    Node n = o.get(key).getValueNode();
    String s = yaml.string(n, where + "." + key);
    String problem = s == null ? null : Identifiers.problem(s);
    if (problem != null) {
      yaml.error(n, where + "." + key + ": " + problem);
    }
    return s;
  }

  private Secret secret(Map<String, NodeTuple> o, String key, String where, boolean required, Node parent) {
    if (!o.containsKey(key)) {
      if (required) {
        yaml.error(parent, where + " needs '" + key + "'");
      }
      return null;
    }
    Node n = o.get(key).getValueNode();
    String s = yaml.string(n, where + "." + key);
    if (s == null) {
      return null;
    }
    String written = SecretResolver.withoutReferences(s);
    if (key.equals("password") && !written.isEmpty()) {
      yaml.error(n, where + ".password must be a reference, never the password itself: write ${env:NAME} or"
          + " ${file:/run/secrets/name}");
      return null;
    }
    if (LITERAL_CREDENTIALS.matcher(written).find()) {
      yaml.error(n, where + "." + key + " has a password written in it; move it to password: ${env:NAME}, or"
          + " reference the whole value as ${env:NAME}");
      return null;
    }
    try {
      return secrets.resolve(s);
    } catch (IllegalArgumentException e) {
      yaml.error(n, where + "." + key + ": " + e.getMessage());
      return null;
    }
  }

  private char character(Map<String, NodeTuple> o, String key, char fallback, String where) {
    if (!o.containsKey(key)) {
      return fallback;
    }
    Node n = o.get(key).getValueNode();
    String s = yaml.string(n, where + "." + key);
    if (s != null && s.equals("\\t")) {
      return '\t';
    }
    if (s == null || s.length() != 1 || s.charAt(0) == '\n' || s.charAt(0) == '\r') {
      yaml.error(n, where + "." + key + " must be one character");
      return fallback;
    }
    return s.charAt(0);
  }

  private Charset charset(Map<String, NodeTuple> o, String where) {
    if (!o.containsKey("encoding")) {
      return StandardCharsets.UTF_8;
    }
    Node n = o.get("encoding").getValueNode();
    String s = yaml.string(n, where + ".encoding");
    if (s == null) {
      return StandardCharsets.UTF_8;
    }
    try {
      return Charset.forName(s);
    } catch (RuntimeException e) {
      yaml.error(n, where + ".encoding: unknown character set '" + s + "' (for example UTF-8, windows-1252, ISO-8859-1)");
      return StandardCharsets.UTF_8;
    }
  }

  private ZoneId zone(Map<String, NodeTuple> o, String where) {
    if (!o.containsKey("timezone")) {
      return ZoneOffset.UTC;
    }
    Node n = o.get("timezone").getValueNode();
    String s = yaml.string(n, where + ".timezone");
    if (s == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(s);
    } catch (RuntimeException e) {
      yaml.error(n, where + ".timezone: unknown time zone '" + s + "' (for example UTC or Europe/Paris)");
      return ZoneOffset.UTC;
    }
  }

  /** {@code timeout:} of a JDBC source: at least a second (the drivers count in seconds). */
  private java.time.Duration timeout(Map<String, NodeTuple> o, String where) {
    if (!o.containsKey("timeout")) {
      return SourceSpec.Jdbc.DEFAULT_TIMEOUT;
    }
    Node n = o.get("timeout").getValueNode();
    java.time.Duration d = SpecReader.duration(yaml, n, where + ".timeout");
    if (d != null && d.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      yaml.error(n, where + ".timeout must be at least 1s");
    }
    return d == null ? SourceSpec.Jdbc.DEFAULT_TIMEOUT : d;
  }

  private long maxRecordBytes(Map<String, NodeTuple> o, String where) {
    if (!o.containsKey("max_record_bytes")) {
      return SourceSpec.DEFAULT_MAX_RECORD_BYTES;
    }
    Long v = yaml.integer(o.get("max_record_bytes").getValueNode(), where + ".max_record_bytes", 1024, 1L << 30);
    return v == null ? SourceSpec.DEFAULT_MAX_RECORD_BYTES : v;
  }
}
