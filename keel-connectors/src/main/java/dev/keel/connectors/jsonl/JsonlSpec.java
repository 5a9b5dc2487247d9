package dev.keel.connectors.jsonl;

import dev.keel.spec.SourceSpec;
import java.nio.charset.Charset;
import java.time.ZoneId;

/** One JSON object per line; keys are column names. */
public record JsonlSpec(String path, Charset encoding, ZoneId timezone, long maxRecordBytes)
    implements SourceSpec {
  public static final String KIND = "jsonl";

  @Override
  public String kind() {
    return KIND;
  }
}
