package dev.keel.engine.node;

import dev.keel.spec.BufferStages;
import dev.keel.spec.PipelineSpec;
import dev.keel.spec.SpecException;
import dev.keel.spec.SpecReader;
import dev.keel.store.MetadataStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline files in {@code --pipelines DIR} ({@code *.yaml}, {@code *.yml}), scanned every few
 * seconds. A new or changed valid file is stored as the pipeline's current version (used by the
 * next run); an invalid one is logged and recorded in {@code keel.pipeline_problem} (shown by
 * {@code keel status}) while its previous valid version stays current. A file is looked at again
 * only when its text changes, or when storing it failed (the database was away).
 */
final class PipelineCatalog implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(PipelineCatalog.class);

  /** A pipeline's current version. */
  record Current(long versionId, PipelineSpec spec) {}

  private final MetadataStore store;
  private final Path dir;
  private final String nodeId;
  private final Map<Path, String> seenText = new HashMap<>();
  private final Map<String, Current> current = new ConcurrentHashMap<>();

  PipelineCatalog(MetadataStore store, Path dir, String nodeId) {
    this.store = store;
    this.dir = dir;
    this.nodeId = nodeId;
  }

  Collection<Current> current() {
    return current.values();
  }

  @Override
  public synchronized void run() {
    Map<Path, Boolean> present = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
      for (Path file : files) {
        present.put(file.toAbsolutePath().normalize(), true);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot list pipeline folder " + dir + ": " + e.getMessage(), e);
    }
    for (Path file : present.keySet()) {
      look(file);
    }
    seenText.keySet().removeIf(f -> !present.containsKey(f));
    current
        .values()
        .removeIf(
            c -> {
              boolean gone = !present.containsKey(c.spec().file().toAbsolutePath().normalize());
              if (gone) {
                log.info(
                    "pipeline {}: its file {} is gone; no more scheduled runs (its stored versions stay)",
                    c.spec().name(),
                    c.spec().file());
              }
              return gone;
            });
  }

  private void look(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      log.warn("cannot read pipeline file {}: {}", file, e.getMessage());
      return;
    }
    if (text.equals(seenText.get(file))) {
      return;
    }
    PipelineSpec spec;
    try {
      spec = new SpecReader().parse(text, file);
    } catch (SpecException e) {
      Current previous =
          current.values().stream()
              .filter(c -> c.spec().file().equals(file))
              .findFirst()
              .orElse(null);
      log.warn(
          "pipeline file {} is invalid{}:\n{}",
          file,
          previous == null
              ? ""
              : "; version "
                  + previous.versionId()
                  + " of "
                  + previous.spec().name()
                  + " keeps running",
          e.getMessage());
      store
          .problems()
          .report(
              file.toString(),
              previous == null ? null : previous.spec().name(),
              e.getMessage(),
              nodeId);
      seenText.put(file, text);
      return;
    }
    // A buffered pipeline is stored as its two stages; a failed save (the database away) leaves
    // the file unseen, so the next scan stores it again.
    for (PipelineSpec stage : BufferStages.split(spec)) {
      keep(file, stage);
    }
    seenText.put(file, text);
  }

  /** Stores {@code spec} (a file's pipeline, or one stage of a buffered one) as current. */
  private void keep(Path file, PipelineSpec spec) {
    Current other = current.get(spec.name());
    if (other != null && !other.spec().file().equals(file)) {
      String problem =
          "pipeline "
              + spec.name()
              + " is also defined by "
              + other.spec().file()
              + "; this file is ignored";
      log.warn("{}: {}", file, problem);
      store.problems().report(file.toString(), spec.name(), problem, nodeId);
      return;
    }
    long version =
        store
            .versions()
            .save(spec.name(), spec.hash(), spec.text(), file.toString(), spec.regions());
    store.problems().clear(file.toString());
    Current was = current.put(spec.name(), new Current(version, spec));
    if (was == null) {
      log.info(
          "pipeline {}: version {} from {}{}",
          spec.name(),
          version,
          file,
          spec.schedule() == null ? "" : ", schedule " + spec.schedule());
    } else if (was.versionId() != version) {
      log.info(
          "pipeline {}: {} changed; version {} replaces {} from the next run",
          spec.name(),
          file,
          version,
          was.versionId());
    }
  }

  /** For tests and tools: the current versions by name. */
  Map<String, Current> byName() {
    return Map.copyOf(current);
  }
}
