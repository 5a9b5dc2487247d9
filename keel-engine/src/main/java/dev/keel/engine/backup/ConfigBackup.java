package dev.keel.engine.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.store.ConfigTables;
import dev.keel.store.ConfigTables.Pause;
import dev.keel.store.ConfigTables.Snapshot;
import dev.keel.store.ConfigTables.Token;
import dev.keel.store.ConfigTables.Version;
import dev.keel.store.MetadataStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports the configuration ({@link ConfigTables}) as files and restores it. A backup holds:
 *
 * <ul>
 *   <li>{@code pipelines/NAME/HASH.yaml}: each pipeline version exactly as written (HASH is the
 *       SHA-256 of that text, as keel stores it);
 *   <li>{@code pipelines.json}: for each version its pipeline, hash, file, source file and times;
 *   <li>{@code paused.json}, {@code tokens.json}: paused pipelines; API token hashes and roles;
 *   <li>{@code manifest.json}, written last: the SHA-256 of every other file.
 * </ul>
 *
 * <p>A restore reads and checks everything first (each file against the manifest, each pipeline
 * text against its hash) and refuses the backup, naming the file, before writing a row; then it
 * inserts what is missing in one transaction, so a second restore changes nothing.
 */
public final class ConfigBackup {
  public static final String MANIFEST = "manifest.json";
  public static final String FORMAT = "keel-config-backup/1";
  static final String PIPELINES = "pipelines.json";
  static final String PAUSED = "paused.json";
  static final String TOKENS = "tokens.json";

  /** What an export wrote. */
  public record Exported(int versions, int pauses, int tokens, int files) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ConfigTables tables;

  public ConfigBackup(MetadataStore store) {
    this.tables = store.configTables();
  }

  public Exported export(BackupPlace place) {
    if (place.read(MANIFEST) != null) {
      throw new BackupRefused(
          place.describe()
              + " already holds a backup ("
              + MANIFEST
              + "); export to a new folder or prefix");
    }
    Snapshot s = tables.read();
    Map<String, String> manifest = new LinkedHashMap<>();
    ArrayNode versions = JSON.createArrayNode();
    for (Version v : s.versions()) {
      String file = "pipelines/" + safe(v.pipeline()) + "/" + v.hash() + ".yaml";
      write(place, manifest, file, v.spec().getBytes(StandardCharsets.UTF_8));
      versions
          .addObject()
          .put("pipeline", v.pipeline())
          .put("hash", v.hash())
          .put("file", file)
          .put("source_file", v.sourceFile())
          .put("created_at", text(v.createdAt()))
          .put("current_at", text(v.currentAt()));
    }
    write(place, manifest, PIPELINES, json(versions));
    ArrayNode pauses = JSON.createArrayNode();
    for (Pause p : s.pauses()) {
      pauses
          .addObject()
          .put("pipeline", p.pipeline())
          .put("paused_at", text(p.pausedAt()))
          .put("paused_by", p.pausedBy());
    }
    write(place, manifest, PAUSED, json(pauses));
    ArrayNode tokens = JSON.createArrayNode();
    for (Token t : s.tokens()) {
      tokens
          .addObject()
          .put("hash", t.hash())
          .put("role", t.role())
          .put("note", t.note())
          .put("created_at", text(t.createdAt()))
          .put("revoked_at", text(t.revokedAt()));
    }
    write(place, manifest, TOKENS, json(tokens));
    ObjectNode m = JSON.createObjectNode();
    m.put("format", FORMAT);
    m.put("created_at", OffsetDateTime.now().toString());
    ObjectNode files = m.putObject("files");
    manifest.forEach(files::put);
    place.write(MANIFEST, json(m));
    return new Exported(s.versions().size(), s.pauses().size(), s.tokens().size(), manifest.size());
  }

  /** Checks the whole backup, then restores what the database lacks. */
  public ConfigTables.Restored restore(BackupPlace place) {
    return tables.restore(verify(place));
  }

  /** Reads and checks a backup without writing anything. */
  public Snapshot verify(BackupPlace place) {
    byte[] manifestBytes = place.read(MANIFEST);
    if (manifestBytes == null) {
      throw new BackupRefused(
          place.describe() + ": no " + MANIFEST + " here; this is not a keel backup");
    }
    JsonNode manifest = parse(place, MANIFEST, manifestBytes);
    if (!FORMAT.equals(manifest.path("format").asText())) {
      throw new BackupRefused(
          name(place, MANIFEST)
              + ": format is '"
              + manifest.path("format").asText()
              + "', expected "
              + FORMAT);
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = manifest.path("files").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      byte[] content = place.read(e.getKey());
      if (content == null) {
        throw new BackupRefused(
            name(place, e.getKey())
                + ": listed in the manifest but missing; the backup is incomplete");
      }
      String actual = sha256(content);
      if (!actual.equals(e.getValue().asText())) {
        throw new BackupRefused(
            name(place, e.getKey())
                + ": its SHA-256 ("
                + actual
                + ") does not match the manifest ("
                + e.getValue().asText()
                + "); the file was changed or damaged since the backup, so nothing was imported");
      }
      files.put(e.getKey(), content);
    }
    List<Version> versions = new ArrayList<>();
    for (JsonNode v : parse(place, PIPELINES, listed(place, files, PIPELINES))) {
      String file = v.path("file").asText();
      byte[] spec = listed(place, files, file);
      String hash = v.path("hash").asText();
      if (!sha256(spec).equals(hash)) {
        throw new BackupRefused(
            name(place, file)
                + ": its text does not hash to the version's hash "
                + hash
                + "; the file was changed, so nothing was imported");
      }
      versions.add(
          new Version(
              v.path("pipeline").asText(),
              hash,
              new String(spec, StandardCharsets.UTF_8),
              textOrNull(v, "source_file"),
              time(v, "created_at"),
              time(v, "current_at")));
    }
    List<Pause> pauses = new ArrayList<>();
    for (JsonNode p : parse(place, PAUSED, listed(place, files, PAUSED))) {
      pauses.add(
          new Pause(p.path("pipeline").asText(), time(p, "paused_at"), textOrNull(p, "paused_by")));
    }
    List<Token> tokens = new ArrayList<>();
    for (JsonNode t : parse(place, TOKENS, listed(place, files, TOKENS))) {
      tokens.add(
          new Token(
              t.path("hash").asText(),
              t.path("role").asText(),
              textOrNull(t, "note"),
              time(t, "created_at"),
              time(t, "revoked_at")));
    }
    return new Snapshot(versions, pauses, tokens);
  }

  private static byte[] listed(BackupPlace place, Map<String, byte[]> files, String name) {
    byte[] content = files.get(name);
    if (content == null) {
      throw new BackupRefused(
          name(place, name) + ": not listed in the manifest, so it cannot be trusted");
    }
    return content;
  }

  private static void write(
      BackupPlace place, Map<String, String> manifest, String name, byte[] content) {
    place.write(name, content);
    manifest.put(name, sha256(content));
  }

  /** A pipeline name as a folder name: anything but letters, digits, {@code _ . -} becomes _. */
  static String safe(String pipeline) {
    String s = pipeline.replaceAll("[^A-Za-z0-9_.-]", "_");
    return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
  }

  private static String name(BackupPlace place, String file) {
    return place.describe() + (place.describe().endsWith("/") ? "" : "/") + file;
  }

  private static JsonNode parse(BackupPlace place, String file, byte[] content) {
    try {
      return JSON.readTree(content);
    } catch (IOException e) {
      throw new BackupRefused(name(place, file) + ": not valid JSON: " + e.getMessage());
    }
  }

  private static byte[] json(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(OffsetDateTime t) {
    return t == null ? null : t.toString();
  }

  private static String textOrNull(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static OffsetDateTime time(JsonNode n, String field) {
    String v = textOrNull(n, field);
    try {
      return v == null ? null : OffsetDateTime.parse(v);
    } catch (java.time.format.DateTimeParseException e) {
      throw new BackupRefused(
          field + " '" + v + "' is not a time in the backup: " + e.getMessage());
    }
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
