package dev.keel.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small files a pipeline is made of (the pipeline file, {@code ${file:}} secrets) in
 * bounded memory. Only regular files are read: a directory is named as one, and a device or pipe is
 * refused before it is opened ({@code /dev/zero} never ends; opening a FIFO with no writer blocks
 * forever).
 */
final class SmallFiles {
  /** 1 MiB: far more than any pipeline or secret, far less than the heap. */
  static final int MAX_BYTES = 1024 * 1024;

  /** Why the file cannot be read, without its name (the caller says which file it is). */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message);
    }
  }

  private SmallFiles() {}

  static byte[] read(Path file) throws Unreadable {
    if (Files.isDirectory(file)) {
      throw new Unreadable("is a directory, not a file");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new Unreadable(
          "is not a regular file (a device, a pipe or a socket); give the path of a file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new Unreadable("is larger than 1 MiB; is it really the right file?");
      }
      return bytes;
    } catch (IOException e) {
      throw new Unreadable(
          "cannot be read ("
              + e.getClass().getSimpleName()
              + "); check that it exists and is readable by keel");
    }
  }
}
