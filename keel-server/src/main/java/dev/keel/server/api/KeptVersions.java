package dev.keel.server.api;

import dev.keel.KeelException;
import dev.keel.spec.SecretResolver;
import dev.keel.spec.SpecReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many loads of each partition a stored pipeline version's sink keeps ({@code keep_versions}),
 * which only the parsed sink section tells: the web UI offers a pipeline's history and rollback by
 * it. A stored version never changes, so each is parsed once and remembered by its id.
 */
final class KeptVersions {
  /** Versions remembered at most; past this the map starts over (a few hundred are typical). */
  static final int MAX_REMEMBERED = 10_000;

  // A missing env secret reads as empty: only the sink's settings are wanted here, and the node
  // that runs the pipeline resolves secrets for real.
  private final SpecReader reader =
      new SpecReader(
          new SecretResolver(
              name -> {
                String v = System.getenv(name);
                return v == null ? "" : v;
              }));
  private final Map<Long, Integer> byVersion = new ConcurrentHashMap<>();

  /**
   * {@code keep_versions} of the version's sink, 0 when it keeps none; null when the stored text
   * cannot be read here (a secret file only the nodes have, a connector this process lacks); that
   * is not remembered, so it is asked again next time.
   */
  Integer of(long versionId, String spec, String sourceFile) {
    Integer kept = byVersion.get(versionId);
    if (kept != null) {
      return kept;
    }
    try {
      Path file = Path.of(sourceFile == null ? "pipeline.yaml" : sourceFile);
      kept = reader.parse(spec, file).sink().keepVersions();
    } catch (KeelException | IllegalArgumentException e) {
      return null;
    }
    if (byVersion.size() >= MAX_REMEMBERED) {
      byVersion.clear();
    }
    byVersion.put(versionId, kept);
    return kept;
  }
}
