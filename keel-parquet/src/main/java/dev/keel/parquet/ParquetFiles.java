package dev.keel.parquet;

import dev.keel.KeelException;
import dev.keel.connectors.files.SourceFile;
import dev.keel.connectors.s3.S3Clients;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;

/** The random-access file behind a source path: a local file, or an S3 object over ranged GETs. */
final class ParquetFiles {
  private ParquetFiles() {}

  static InputFile open(SourceFile file) {
    if (file instanceof SourceFile.S3Object s3) {
      return new S3InputFile(S3Clients.shared(), s3.location(), S3InputFile.DEFAULT_BUFFER);
    }
    Path path = ((SourceFile.LocalFile) file).file();
    if (Files.isDirectory(path)) {
      throw new KeelException(
          path
              + ": is a directory; a source path names one file (use ${partition} in it for one"
              + " file per partition)");
    }
    if (!Files.isRegularFile(path)) {
      throw new KeelException(path + ": file not found");
    }
    return new LocalInputFile(path);
  }
}
