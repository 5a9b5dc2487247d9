package dev.keel.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.TestInfo;

/** Keeps each node's log of a multi-process test under target/cluster-logs/TEST/, for reading after a run. */
public final class NodeLogs {
  private NodeLogs() {}

  public static void keep(Path logs, TestInfo test) throws IOException {
    if (!Files.isDirectory(logs)) {
      return;
    }
    Path into = Path.of("target", "cluster-logs", test.getTestMethod().map(m -> m.getName()).orElse("test"));
    Files.createDirectories(into);
    try (var files = Files.list(logs)) {
      for (Path f : files.toList()) {
        Files.copy(f, into.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
