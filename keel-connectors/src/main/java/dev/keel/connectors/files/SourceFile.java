package dev.keel.connectors.files;

import dev.keel.connectors.s3.S3Clients;
import dev.keel.connectors.s3.S3Location;
import dev.keel.connectors.s3.S3ObjectStream;
import dev.keel.spec.PartitionRef;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The one file a file source reads for a partition: a local file, or an S3 object when the path is
 * {@code s3://bucket/key}. Either way it is streamed as text ({@code .gz}: gzip).
 */
public interface SourceFile {
  /** How messages name it: the path, or {@code s3://bucket/key}. */
  String name();

  /** A new reader from the start; a missing file or object fails here, with its name. */
  Reader open(Charset charset);

  /** Text that can tell each record's byte offset, and the object's version it was read from. */
  record Tracked(ByteTrackingReader reader, String version) {}

  /**
   * A reader from byte {@code startByte} (character {@code startChar}) that knows byte offsets, for
   * a file that can be read from a byte offset: an uncompressed UTF-8 object, whose {@code version}
   * (its ETag; null: any) must still be the one read before. Null for the others, which are read
   * from the start and skipped to a checkpoint instead.
   */
  default Tracked openTracked(Charset charset, long startChar, long startByte, String version) {
    return null;
  }

  /** Resolves a source's {@code path:} for {@code partition} (local paths against baseDir). */
  static SourceFile of(String path, String partition, Path baseDir) {
    String p = Sources.substitute(path, partition);
    if (S3Location.isS3(p)) {
      return new S3Object(S3Location.parse(p));
    }
    return new LocalFile(Sources.resolve(path, partition, baseDir));
  }

  /**
   * Resolves a source's {@code path:} for a partition that may be a time window ({@code ${window}},
   * {@code ${value}}, {@code ${window_start}}, {@code ${window_end}} as well as {@code
   * ${partition}}).
   */
  static SourceFile of(String path, PartitionRef partition, Path baseDir) {
    if (partition.window() == null) {
      return of(path, partition.name(), baseDir);
    }
    if (S3Location.isS3(path)) {
      String p = path;
      for (var v : partition.variables().entrySet()) {
        p = p.replace("${" + v.getKey() + "}", v.getValue());
      }
      return new S3Object(S3Location.parse(p));
    }
    return new LocalFile(Sources.resolve(path, partition, baseDir));
  }

  static SourceFile local(Path file) {
    return new LocalFile(file);
  }

  /** A file on a local or mounted file system. */
  record LocalFile(Path file) implements SourceFile {
    @Override
    public String name() {
      return file.toString();
    }

    @Override
    public Reader open(Charset charset) {
      return TextFiles.open(file, charset);
    }
  }

  /** An object in S3 or an S3-compatible store, read through {@link S3ObjectStream}. */
  record S3Object(S3Location location) implements SourceFile {
    @Override
    public String name() {
      return location.toString();
    }

    @Override
    public Reader open(Charset charset) {
      return TextFiles.decode(
          new S3ObjectStream(S3Clients.shared(), location), location.key(), charset);
    }

    @Override
    public Tracked openTracked(Charset charset, long startChar, long startByte, String version) {
      if (location.key().endsWith(".gz")
          || !(StandardCharsets.UTF_8.equals(charset)
              || StandardCharsets.US_ASCII.equals(charset))) {
        return null;
      }
      S3ObjectStream bytes = new S3ObjectStream(S3Clients.shared(), location, startByte, version);
      Reader text = TextFiles.decode(bytes, location.key(), charset);
      return new Tracked(new ByteTrackingReader(text, startChar, startByte), bytes.etag());
    }
  }
}
