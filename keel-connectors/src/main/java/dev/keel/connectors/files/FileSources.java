package dev.keel.connectors.files;

import dev.keel.spec.ConfigSection;
import dev.keel.spec.SourceSpec;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The settings file sources (CSV, JSON Lines) share, read the same way for each. */
public final class FileSources {
  private FileSources() {}

  public static Charset encoding(ConfigSection s) {
    return s.charset("encoding", StandardCharsets.UTF_8);
  }

  public static ZoneId timezone(ConfigSection s) {
    return s.zone("timezone", ZoneOffset.UTC);
  }

  public static long maxRecordBytes(ConfigSection s) {
    return s.integer("max_record_bytes", SourceSpec.DEFAULT_MAX_RECORD_BYTES, 1024, 1L << 30);
  }
}
