package org.apache.parquet;

import java.util.HashMap;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

/**
 * Read options made without Hadoop. parquet-java 1.18's {@link ParquetReadOptions.Builder} creates
 * a Hadoop codec factory in its constructor, before one can be supplied, so it cannot be used
 * without Hadoop on the class path; its package-private constructor can, hence this class in
 * parquet's package. Defaults are the builder's; keel reads whole row groups with no filter.
 */
public final class HadoopFreeReadOptions {
  /** parquet-java's default largest single allocation for a read. */
  private static final int MAX_ALLOCATION = 8 * 1024 * 1024;

  private HadoopFreeReadOptions() {}

  public static ParquetReadOptions with(CompressionCodecFactory codecs) {
    return new ParquetReadOptions(
        false, // useSignedStringMinMax
        true, // useStatsFilter
        true, // useDictionaryFilter
        true, // useRecordFilter
        true, // useColumnIndexFilter
        false, // usePageChecksumVerification
        true, // useBloomFilter
        false, // useOffHeapDecryptBuffer
        false, // useHadoopVectoredIo
        FilterCompat.NOOP,
        ParquetMetadataConverter.NO_FILTER,
        codecs,
        new HeapByteBufferAllocator(),
        MAX_ALLOCATION,
        new HashMap<>(),
        null,
        null,
        new PlainParquetConfiguration());
  }
}
