package dev.keel.engine.backup;

import dev.keel.KeelException;
import dev.keel.connectors.s3.S3Location;
import dev.keel.connectors.s3.S3Objects;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Where a backup's files go: a local folder, or an S3 prefix ({@code s3://bucket/prefix}). */
public interface BackupPlace {
  /** The folder or prefix, for messages. */
  String describe();

  /** Writes {@code name} (a relative path with {@code /}) whole, replacing nothing half-written. */
  void write(String name, byte[] content);

  /** The file's bytes, or null when there is none. */
  byte[] read(String name);

  /** A sub-folder or sub-prefix. */
  BackupPlace child(String folder);

  static BackupPlace at(String destination) {
    if (S3Location.isS3(destination)) {
      return new S3Prefix(S3Location.parse(destination), S3Objects.shared());
    }
    return new Folder(Path.of(destination).toAbsolutePath().normalize());
  }

  /** A local (or mounted) folder; each file is written to a temporary name and moved in place. */
  record Folder(Path dir) implements BackupPlace {
    @Override
    public String describe() {
      return dir.toString();
    }

    @Override
    public void write(String name, byte[] content) {
      Path file = dir.resolve(name);
      try {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, content);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        throw new KeelException(file + ": cannot write: " + e.getMessage(), e);
      }
    }

    @Override
    public byte[] read(String name) {
      Path file = dir.resolve(name);
      try {
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        return null;
      } catch (IOException e) {
        throw new KeelException(file + ": cannot read: " + e.getMessage(), e);
      }
    }

    @Override
    public BackupPlace child(String folder) {
      return new Folder(dir.resolve(folder));
    }
  }

  /** An S3 prefix: each file is one object under it. */
  record S3Prefix(S3Location prefix, S3Objects s3) implements BackupPlace {
    @Override
    public String describe() {
      return prefix.toString();
    }

    @Override
    public void write(String name, byte[] content) {
      s3.put(prefix.child(name), content);
    }

    @Override
    public byte[] read(String name) {
      return s3.get(prefix.child(name));
    }

    @Override
    public BackupPlace child(String folder) {
      return new S3Prefix(prefix.child(folder + "/"), s3);
    }
  }
}
