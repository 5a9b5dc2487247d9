package dev.keel.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet's page codecs without Hadoop: parquet-java's own {@code CodecFactory} goes through
 * Hadoop's compression classes, which keel does not carry. Uncompressed, Snappy (the default of
 * Spark, pyarrow and DuckDB), Zstandard and gzip pages are read (and written, for tests); a file
 * using another codec (LZ4, LZO, Brotli) is refused when its row group is read, naming the codec.
 */
public final class Codecs implements CompressionCodecFactory {
  static final Set<CompressionCodecName> SUPPORTED =
      EnumSet.of(
          CompressionCodecName.UNCOMPRESSED,
          CompressionCodecName.SNAPPY,
          CompressionCodecName.ZSTD,
          CompressionCodecName.GZIP);

  /** Thrown for a codec keel cannot read; the source names the file and column. */
  static final class Unsupported extends IOException {
    Unsupported(CompressionCodecName codec) {
      super(
          "its pages are compressed with "
              + codec
              + ", which keel cannot read (it reads "
              + SUPPORTED
              + "); write the file again with snappy or zstd");
    }
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return new BytesInputCompressor() {
      @Override
      public BytesInput compress(BytesInput bytes) throws IOException {
        return BytesInput.from(Codecs.compress(codec, bytes.toByteArray()));
      }

      @Override
      public CompressionCodecName getCodecName() {
        return codec;
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    return new BytesInputDecompressor() {
      @Override
      public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
        return BytesInput.from(Codecs.decompress(codec, bytes.toByteArray(), uncompressedSize));
      }

      @Override
      public void decompress(
          ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
          throws IOException {
        byte[] in = new byte[compressedSize];
        input.get(in);
        output.put(Codecs.decompress(codec, in, uncompressedSize));
      }

      @Override
      public void release() {}
    };
  }

  @Override
  public void release() {}

  static byte[] decompress(CompressionCodecName codec, byte[] in, int size) throws IOException {
    byte[] out =
        switch (codec) {
          case UNCOMPRESSED -> in;
          case SNAPPY -> Snappy.uncompress(in);
          case ZSTD -> zstd(in, size);
          case GZIP -> gunzip(in, size);
          default -> throw new Unsupported(codec);
        };
    if (out.length != size) {
      throw new IOException(
          "a " + codec + " page holds " + out.length + " bytes, its header says " + size);
    }
    return out;
  }

  private static byte[] zstd(byte[] in, int size) throws IOException {
    try {
      return Zstd.decompress(in, size);
    } catch (RuntimeException e) { // ZstdException: corrupt data
      throw new IOException("corrupt zstd page: " + e.getMessage());
    }
  }

  private static byte[] gunzip(byte[] in, int size) throws IOException {
    try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
      return gz.readNBytes(size + 1);
    }
  }

  static byte[] compress(CompressionCodecName codec, byte[] in) throws IOException {
    return switch (codec) {
      case UNCOMPRESSED -> in;
      case SNAPPY -> Snappy.compress(in);
      case ZSTD -> Zstd.compress(in);
      case GZIP -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(in);
        }
        yield out.toByteArray();
      }
      default -> throw new Unsupported(codec);
    };
  }
}
