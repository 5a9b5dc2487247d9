package dev.keel.cli;

import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecException;
import dev.keel.spec.SpecReader;
import dev.keel.store.MetadataStore;
import dev.keel.store.PipelineVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Enqueues a run for the cluster ({@code keel trigger}, {@code keel backfill}): the pipeline's
 * current stored version, or the file named by {@code --pipelines} (a folder or a file), which is
 * stored first. Returns at once; the nodes do the work.
 */
final class Enqueue {
  /** A pipeline version to enqueue. */
  record Version(long id, PipelineSpec spec) {}

  private Enqueue() {}

  static Optional<Version> find(MetadataStore store, String name, Path pipelines)
      throws IOException {
    if (pipelines != null) {
      for (Path file : files(pipelines)) {
        PipelineSpec spec;
        try {
          spec = new SpecReader().read(file);
        } catch (SpecException e) {
          if (Files.isRegularFile(pipelines)
              || file.getFileName().toString().startsWith(name + ".")) {
            throw e;
          }
          continue;
        }
        spec = stageNamed(spec, name);
        if (spec != null) {
          long id =
              store
                  .versions()
                  .save(
                      spec.name(),
                      spec.hash(),
                      spec.text(),
                      file.toAbsolutePath().normalize().toString(),
                      spec.regions());
          return Optional.of(new Version(id, spec));
        }
      }
      return Optional.empty();
    }
    Optional<PipelineVersions.Stored> stored = store.versions().current(name);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    PipelineVersions.Stored v = stored.get();
    Path file = Path.of(v.sourceFile() == null ? name + ".yaml" : v.sourceFile());
    return Optional.of(
        new Version(v.id(), BufferStages.stage(new SpecReader().parse(v.spec(), file), name)));
  }

  /** The file's pipeline, or the stage of it, named {@code name}; null when none is. */
  private static PipelineSpec stageNamed(PipelineSpec spec, String name) {
    for (PipelineSpec s : BufferStages.split(spec)) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  static long create(MetadataStore store, Version v, String trigger, List<String> partitions) {
    PipelineSpec spec = v.spec();
    return store
        .runs()
        .create(spec.name(), v.id(), trigger, Instant.now(), partitions, spec.retry())
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "a "
                        + trigger
                        + " run of "
                        + spec.name()
                        + " with this logical time exists; try again"));
  }

  private static List<Path> files(Path pipelines) throws IOException {
    if (Files.isRegularFile(pipelines)) {
      return List.of(pipelines);
    }
    try (var s = Files.list(pipelines)) {
      return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  static String unknown(String name, Path pipelines) {
    return pipelines != null
        ? "keel: no pipeline named " + name + " in " + pipelines
        : "keel: no stored pipeline named "
            + name
            + "; start a node with --pipelines DIR, or pass --pipelines DIR (or FILE) here";
  }
}
