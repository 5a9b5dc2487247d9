package dev.keel.parquet;

import static dev.keel.parquet.ParquetFixture.columns;
import static dev.keel.parquet.ParquetFixture.readAll;
import static dev.keel.parquet.ParquetFixture.spec;
import static dev.keel.parquet.ParquetFixture.values;
import static dev.keel.parquet.ParquetFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.connector.Connectors;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.HadoopFreeReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parquet source on local files written by parquet-java's own writer. */
class ParquetSourceTest {
  @TempDir Path dir;

  private static final String ORDERS =
      """
      message orders {
        required int64 id;
        optional int32 qty;
        optional binary customer (STRING);
        optional int64 amount (DECIMAL(12,2));
        optional fixed_len_byte_array(16) big (DECIMAL(38,10));
        optional double score;
        optional float ratio;
        optional boolean paid;
        optional int32 day (DATE);
        optional int64 ts_utc (TIMESTAMP(MICROS,true));
        optional int64 ts_local (TIMESTAMP(MILLIS,false));
      }
      """;

  private static final List<Column> ORDER_COLUMNS =
      columns(
          "id bigint, qty integer, customer text, amount numeric(12,2), big numeric(38,10),"
              + " score double precision, ratio real, paid boolean, day date, ts_utc timestamptz,"
              + " ts_local timestamp");

  private RecordSource open(String file, List<Column> columns, String resume) {
    return new ParquetProvider().open(spec(file), columns, "all", dir, resume);
  }

  /** Two's complement in {@code size} bytes, as FIXED_LEN_BYTE_ARRAY decimals are stored. */
  private static Binary fixed(BigInteger unscaled, int size) {
    byte[] raw = unscaled.toByteArray();
    byte[] out = new byte[size];
    Arrays.fill(out, (byte) (unscaled.signum() < 0 ? 0xff : 0));
    System.arraycopy(raw, 0, out, size - raw.length, raw.length);
    return Binary.fromConstantByteArray(out);
  }

  @Test
  void every_supported_type_is_loaded_exactly_row_by_row() throws IOException {
    OffsetDateTime instant = OffsetDateTime.of(2026, 3, 29, 1, 30, 15, 123_456_000, ZoneOffset.UTC);
    LocalDateTime local = LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_000_000);
    write(
        dir.resolve("orders.parquet"),
        ORDERS,
        3,
        (g, i) -> {
          g.append("id", (long) i + 1);
          if (i == 2) {
            return; // every optional column null
          }
          long micros = instant.toEpochSecond() * 1_000_000 + 123_456 - i;
          g.append("qty", i == 0 ? 7 : -2147483648)
              .append("customer", i == 0 ? "Zoë, \"the\" buyer" : "")
              .append("amount", i == 0 ? 1050L : -99_999_999_999L)
              .append(
                  "big",
                  fixed(new BigInteger(i == 0 ? "123456789012345678901234567890" : "-1"), 16))
              .append("score", i == 0 ? 0.1 : Double.NaN)
              .append("ratio", 0.25f)
              .append("paid", i == 0)
              .append("day", (int) LocalDate.of(2026, 2, 28 - i).toEpochDay())
              .append("ts_utc", micros)
              .append("ts_local", local.toInstant(ZoneOffset.UTC).toEpochMilli());
        });

    List<SourceRecord> rows = readAll(open("orders.parquet", ORDER_COLUMNS, null));

    assertThat(rows).extracting(SourceRecord::position).containsExactly(1L, 2L, 3L);
    assertThat(values(rows.get(0)))
        .containsExactly(
            1L,
            7L,
            "Zoë, \"the\" buyer",
            new BigDecimal("10.50"),
            new BigDecimal("12345678901234567890.1234567890"),
            0.1,
            0.25,
            true,
            LocalDate.of(2026, 2, 28),
            instant,
            local);
    assertThat(values(rows.get(1)))
        .containsExactly(
            2L,
            -2147483648L,
            "",
            new BigDecimal("-999999999.99"),
            new BigDecimal("-0.0000000001"),
            Double.NaN,
            0.25,
            false,
            LocalDate.of(2026, 2, 27),
            instant.minusNanos(1000),
            local);
    assertThat(values(rows.get(2)).subList(1, 11)).containsOnlyNulls();
  }

  @Test
  void pages_compressed_with_each_supported_codec_are_read() throws IOException {
    for (CompressionCodecName codec : Codecs.SUPPORTED) {
      String name = "c-" + codec + ".parquet";
      write(
          dir.resolve(name),
          "message m { required int64 id; required binary s (STRING); }",
          codec,
          1 << 20,
          500,
          (g, i) -> g.append("id", (long) i).append("s", "value " + i));

      List<SourceRecord> rows = readAll(open(name, columns("s text, id bigint"), null));

      assertThat(rows).hasSize(500);
      assertThat(values(rows.get(499))).as(codec.name()).containsExactly("value 499", 499L);
    }
  }

  @Test
  void a_codec_keel_cannot_read_is_refused_before_any_row_naming_it() throws IOException {
    // pages stored as they are but labelled LZ4_RAW, as a writer with that codec would label them
    CompressionCodecFactory lz4Label =
        new CompressionCodecFactory() {
          @Override
          public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return new Codecs().getDecompressor(codec);
          }

          @Override
          public void release() {}

          @Override
          public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            return new BytesInputCompressor() {
              @Override
              public BytesInput compress(BytesInput bytes) {
                return bytes;
              }

              @Override
              public CompressionCodecName getCodecName() {
                return CompressionCodecName.LZ4_RAW;
              }

              @Override
              public void release() {}
            };
          }
        };
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("lz4.parquet")))
            .withConf(new PlainParquetConfiguration())
            .withType(MessageTypeParser.parseMessageType("message m { required int64 id; }"))
            .withCompressionCodec(CompressionCodecName.LZ4_RAW)
            .withCodecFactory(lz4Label)
            .build()) {
      writer.write(
          new SimpleGroupFactory(
                  MessageTypeParser.parseMessageType("message m { required int64 id; }"))
              .newGroup()
              .append("id", 1L));
    }

    assertThatThrownBy(() -> open("lz4.parquet", columns("id bigint"), null))
        .hasMessage(
            dir.resolve("lz4.parquet")
                + ": column 'id' (row group 1): its pages are compressed with LZ4_RAW, which keel"
                + " cannot read (it reads [UNCOMPRESSED, SNAPPY, GZIP, ZSTD]); write the file again"
                + " with snappy or zstd");
  }

  @Test
  void the_provider_is_found_by_its_kind() {
    assertThat(Connectors.installed().source("parquet")).isInstanceOf(ParquetProvider.class);
  }

  private Path manyRowGroups(String name, int rows) throws IOException {
    Path file = dir.resolve(name);
    write(
        file,
        "message m { required int64 id; optional binary note (STRING); }",
        CompressionCodecName.UNCOMPRESSED,
        4096,
        rows,
        (g, i) -> g.append("id", (long) i).append("note", "note number " + i));
    return file;
  }

  static int rowGroups(Path file) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            new LocalInputFile(file), HadoopFreeReadOptions.with(new Codecs()))) {
      return r.getRowGroups().size();
    }
  }

  @Test
  void a_reading_resumes_after_a_checkpoint_mid_file() throws IOException {
    Path file = manyRowGroups("many.parquet", 1000);
    assertThat(rowGroups(file)).isGreaterThan(3);
    List<Column> cols = columns("id bigint, note text");

    String checkpoint;
    try (RecordSource source = open("many.parquet", cols, null)) {
      for (int i = 0; i < 437; i++) {
        source.next();
      }
      checkpoint = source.position();
    }
    assertThat(checkpoint).isEqualTo("row:437");

    List<SourceRecord> rest = readAll(open("many.parquet", cols, checkpoint));

    assertThat(rest).hasSize(563);
    assertThat(rest.get(0).position()).isEqualTo(438);
    assertThat(values(rest.get(0))).containsExactly(437L, "note number 437");
    assertThat(values(rest.get(562))).containsExactly(999L, "note number 999");
    assertThat(readAll(open("many.parquet", cols, "row:1000"))).isEmpty();
    assertThatThrownBy(() -> open("many.parquet", cols, "row:5000"))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("many.parquet")
        .hasMessageContaining("checkpoint is at row 5000 but the file has 1000 rows");
  }

  @Test
  void a_row_group_over_the_memory_cap_is_refused_naming_it() throws IOException {
    Path file = dir.resolve("wide.parquet");
    String pad = "x".repeat(200);
    write(
        file,
        "message m { required int64 id; required binary s (STRING); }",
        CompressionCodecName.UNCOMPRESSED,
        64L * 1024 * 1024,
        10_000,
        (g, i) -> g.append("id", (long) i).append("s", pad + i));
    ParquetSpec capped = new ParquetSpec("wide.parquet", ZoneOffset.UTC, 1024 * 1024);

    assertThatThrownBy(
            () -> readAll(new ParquetProvider().open(capped, columns("s text"), "all", dir, null)))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("wide.parquet: row group 1 of 1 (10000 rows)")
        .hasMessageContaining("over the cap of 1048576 (max_row_group_bytes)");
    // only the declared columns count: the id column alone fits
    assertThat(readAll(new ParquetProvider().open(capped, columns("id bigint"), "all", dir, null)))
        .hasSize(10_000);
  }

  @Test
  void a_file_that_is_not_parquet_empty_or_cut_short_is_refused_naming_it() throws IOException {
    Files.writeString(dir.resolve("csv.parquet"), "id,name\n1,a\n");
    Files.write(dir.resolve("empty.parquet"), new byte[0]);
    Path whole = manyRowGroups("whole.parquet", 300);
    byte[] bytes = Files.readAllBytes(whole);
    Files.write(dir.resolve("cut.parquet"), Arrays.copyOf(bytes, bytes.length - 100));
    Files.write(dir.resolve("half.parquet"), Arrays.copyOf(bytes, bytes.length / 2));

    for (String name : List.of("csv.parquet", "empty.parquet", "cut.parquet", "half.parquet")) {
      assertThatThrownBy(() -> open(name, columns("id bigint"), null))
          .as(name)
          .isInstanceOf(KeelException.class)
          .hasMessageContaining(dir.resolve(name) + ": not a readable Parquet file")
          .hasMessageContaining("was written completely")
          .hasNoCause();
    }
    assertThatThrownBy(() -> open("nope.parquet", columns("id bigint"), null))
        .hasMessage(dir.resolve("nope.parquet") + ": file not found");
  }

  @Test
  void a_declared_column_the_file_lacks_is_refused_with_the_file_s_columns() throws IOException {
    manyRowGroups("m.parquet", 10);

    assertThatThrownBy(() -> open("m.parquet", columns("id bigint, amount numeric"), null))
        .isInstanceOf(KeelException.class)
        .hasMessage(
            dir.resolve("m.parquet")
                + ": has no column 'amount' (it has id, note); declare only columns the file"
                + " has, by their names in the file");
    assertThatThrownBy(() -> open("m.parquet", columns("ID bigint"), null))
        .hasMessageContaining("did you mean 'id' (names are matched exactly)?");
  }

  @Test
  void nested_and_repeated_columns_are_refused_naming_the_column() throws IOException {
    write(
        dir.resolve("nested.parquet"),
        """
        message m {
          required int64 id;
          optional group address { optional binary city (STRING); }
          optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
          repeated int32 scores;
        }
        """,
        1,
        (g, i) -> g.append("id", 1L));

    assertThatThrownBy(() -> open("nested.parquet", columns("id bigint, address text"), null))
        .hasMessageContaining(
            "nested.parquet: column 'address' is a nested group in the file (a struct)")
        .hasMessageContaining("flatten it before loading, or leave it out of columns:");
    assertThatThrownBy(() -> open("nested.parquet", columns("tags text"), null))
        .hasMessageContaining("column 'tags' is a nested group in the file (a LIST)");
    assertThatThrownBy(() -> open("nested.parquet", columns("scores integer"), null))
        .hasMessageContaining("column 'scores' is a repeated field in the file");
    assertThat(readAll(open("nested.parquet", columns("id bigint"), null))).hasSize(1);
  }

  @Test
  void a_type_that_cannot_be_converted_is_refused_with_the_type_to_declare() throws IOException {
    write(
        dir.resolve("t.parquet"),
        """
        message m {
          optional double price;
          optional int64 at (TIMESTAMP(MICROS,true));
          optional int32 flag;
          optional int96 legacy;
          optional int64 cents (DECIMAL(12,2));
          optional int32 clock (TIME(MILLIS,true));
        }
        """,
        1,
        (g, i) -> g.append("price", 1.5));

    assertThatThrownBy(() -> open("t.parquet", columns("price numeric(12,2)"), null))
        .hasMessage(
            dir.resolve("t.parquet")
                + ": column 'price' is DOUBLE in the file, which keel cannot read as"
                + " numeric(12,2); declare it double precision");
    assertThatThrownBy(() -> open("t.parquet", columns("at timestamp"), null))
        .hasMessageContaining("column 'at' is INT64 TIMESTAMP(MICROS,true) in the file")
        .hasMessageContaining("declare it timestamptz");
    assertThatThrownBy(() -> open("t.parquet", columns("flag boolean"), null))
        .hasMessageContaining("declare it integer");
    assertThatThrownBy(() -> open("t.parquet", columns("cents bigint"), null))
        .hasMessageContaining("column 'cents' is INT64 DECIMAL(12,2) in the file")
        .hasMessageContaining("declare it numeric(12,2)");
    assertThatThrownBy(() -> open("t.parquet", columns("clock integer"), null))
        .hasMessageContaining("column 'clock' is INT32 TIME(MILLIS,true) in the file")
        .hasMessageContaining(
            "keel has no column type for TIME(MILLIS,true): leave the column out of columns:");
    assertThatThrownBy(() -> open("t.parquet", columns("legacy timestamp"), null))
        .hasMessageContaining("column 'legacy' is INT96 in the file, a legacy timestamp")
        .hasMessageContaining("declare it timestamptz");
  }

  @Test
  void a_local_timestamp_into_timestamptz_is_read_in_the_source_timezone() throws IOException {
    LocalDateTime local = LocalDateTime.of(2026, 7, 1, 9, 30);
    write(
        dir.resolve("local.parquet"),
        "message m { required int64 at (TIMESTAMP(MICROS,false)); }",
        1,
        (g, i) -> g.append("at", local.toEpochSecond(ZoneOffset.UTC) * 1_000_000));
    ParquetSpec paris =
        new ParquetSpec(
            "local.parquet",
            java.time.ZoneId.of("Europe/Paris"),
            ParquetSpec.DEFAULT_MAX_ROW_GROUP_BYTES);

    List<SourceRecord> rows =
        readAll(new ParquetProvider().open(paris, columns("at timestamptz"), "all", dir, null));

    assertThat(values(rows.get(0)))
        .containsExactly(OffsetDateTime.of(2026, 7, 1, 7, 30, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void an_int96_timestamp_as_spark_writes_it_is_read_as_an_instant() throws IOException {
    OffsetDateTime at = OffsetDateTime.of(2026, 11, 29, 17, 5, 3, 123_456_000, ZoneOffset.UTC);
    OffsetDateTime old = OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 0, ZoneOffset.UTC);
    write(
        dir.resolve("spark.parquet"),
        "message spark_schema { optional int96 ts; }",
        2,
        (g, i) -> {
          OffsetDateTime t = i == 0 ? at : old;
          ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
          b.putLong(t.toLocalTime().toNanoOfDay());
          b.putInt((int) (t.toLocalDate().toEpochDay() + 2_440_588L));
          g.append("ts", Binary.fromConstantByteArray(b.array()));
        });

    List<SourceRecord> rows = readAll(open("spark.parquet", columns("ts timestamptz"), null));

    assertThat(rows).extracting(r -> values(r).get(0)).containsExactly(at, old);
  }

  @Test
  void values_that_do_not_fit_their_column_reject_their_row_only() throws IOException {
    write(
        dir.resolve("bad.parquet"),
        """
        message m {
          required int64 id;
          optional int64 amount (DECIMAL(12,4));
          optional binary name;
          optional int64 small;
          optional int32 day (DATE);
        }
        """,
        6,
        (g, i) -> {
          g.append("id", (long) i + 1).append("amount", i == 1 ? 12345L : 12300L);
          g.append(
              "name",
              switch (i) {
                case 2 -> Binary.fromString("nul\u0000here");
                case 3 -> Binary.fromConstantByteArray(new byte[] {'b', (byte) 0xE9, 'd'});
                default -> Binary.fromString("ok");
              });
          g.append("small", i == 4 ? 3_000_000_000L : 5L);
          g.append(
              "day",
              (int) (i == 5 ? LocalDate.of(10000, 1, 1) : LocalDate.of(2026, 1, 1)).toEpochDay());
        });

    List<SourceRecord> rows =
        readAll(
            open(
                "bad.parquet",
                columns("id bigint, amount numeric(12,2), name text, small integer, day date"),
                null));

    assertThat(rows).hasSize(6);
    assertThat(values(rows.get(0)))
        .containsExactly(1L, new BigDecimal("1.23"), "ok", 5L, LocalDate.of(2026, 1, 1));
    assertThat(rows.subList(1, 6)).allMatch(SourceRecord::isRejected);
    assertThat(rows.get(1).position()).isEqualTo(2);
    assertThat(rows.get(1).error())
        .isEqualTo("column amount: '1.2345' has 4 decimal places, numeric(12,2) allows 2");
    assertThat(rows.get(1).raw()).startsWith("\"2\",\"1.2345\",\"ok\"");
    assertThat(rows.get(2).error()).startsWith("column name: text contains a NUL character");
    assertThat(rows.get(3).error()).startsWith("column name: text holds bytes that are not valid");
    assertThat(rows.get(4).error())
        .startsWith("column small: '3000000000' is out of range for integer");
    assertThat(rows.get(5).error()).startsWith("column day: ");
  }
}
