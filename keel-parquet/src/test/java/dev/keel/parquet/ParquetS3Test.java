package dev.keel.parquet;

import static dev.keel.parquet.ParquetFixture.columns;
import static dev.keel.parquet.ParquetFixture.readAll;
import static dev.keel.parquet.ParquetFixture.spec;
import static dev.keel.parquet.ParquetFixture.values;
import static dev.keel.parquet.ParquetFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.connectors.s3.S3Clients;
import dev.keel.connectors.s3.S3Location;
import dev.keel.connectors.s3.S3ObjectStream;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.Failures;
import dev.keel.runtime.ObjectStoreException;
import dev.keel.spec.Column;
import dev.keel.testkit.S3Server;
import dev.keel.testkit.TcpProxy;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The parquet source reading {@code s3://} objects from a real S3-compatible server (S3Mock). */
class ParquetS3Test {
  private static final String SCHEMA =
      "message m { required int64 id; optional int64 amount (DECIMAL(12,2));"
          + " optional binary note (STRING); }";
  private static final List<Column> COLUMNS = columns("id bigint, amount numeric(12,2), note text");
  private static S3Server s3;

  @TempDir Path dir;

  @BeforeAll
  static void server() {
    s3 = S3Server.shared();
    s3.useInThisJvm();
    s3.createBucket("lake");
  }

  private Path file(String name, int rows) throws IOException {
    Path file = dir.resolve(name);
    write(
        file,
        SCHEMA,
        CompressionCodecName.SNAPPY,
        16 * 1024,
        rows,
        (g, i) ->
            g.append("id", (long) i)
                .append("amount", 100L * i + 5)
                .append("note", "row " + i + " " + "·".repeat(i % 50)));
    return file;
  }

  private static RecordSource open(String path, String partition, String resume) {
    return new ParquetProvider().open(spec(path), COLUMNS, partition, null, resume);
  }

  @Test
  void an_object_is_read_exactly_and_resumes_after_a_checkpoint() throws IOException {
    s3.put("lake", "orders/orders-eu.parquet", file("eu.parquet", 2000));

    List<SourceRecord> all =
        readAll(open("s3://lake/orders/orders-${partition}.parquet", "eu", null));

    assertThat(all).hasSize(2000);
    for (int i = 0; i < 2000; i++) {
      assertThat(values(all.get(i)))
          .containsExactly(
              (long) i, BigDecimal.valueOf(100L * i + 5, 2), "row " + i + " " + "·".repeat(i % 50));
    }
    String checkpoint;
    try (RecordSource source = open("s3://lake/orders/orders-${partition}.parquet", "eu", null)) {
      for (int i = 0; i < 1234; i++) {
        source.next();
      }
      checkpoint = source.position();
    }
    List<SourceRecord> rest =
        readAll(open("s3://lake/orders/orders-${partition}.parquet", "eu", checkpoint));
    assertThat(rest).hasSize(766);
    assertThat(values(rest.get(0)).get(0)).isEqualTo(1234L);
  }

  @Test
  void an_object_larger_than_the_buffer_is_read_in_ranges_never_whole() throws IOException {
    Path local = file("big.parquet", 20_000);
    long size = Files.size(local);
    assertThat(ParquetSourceTest.rowGroups(local)).isGreaterThan(4);
    s3.put("lake", "big.parquet", local);
    S3InputFile input =
        new S3InputFile(S3Clients.shared(), S3Location.parse("s3://lake/big.parquet"), 8 * 1024);
    assertThat(size).isGreaterThan(10L * 8 * 1024);

    List<SourceRecord> rows =
        readAll(new ParquetSource(input, "s3://lake/big.parquet", spec("x"), COLUMNS, null));

    assertThat(rows).hasSize(20_000);
    assertThat(values(rows.get(19_999)).get(0)).isEqualTo(19_999L);
    assertThat(input.gets()).isGreaterThan(4);
    assertThat(input.largestGet()).isLessThan(size / 2);

    // resumed near the end, the row groups before the checkpoint's are skipped, never fetched
    S3InputFile resumed =
        new S3InputFile(S3Clients.shared(), S3Location.parse("s3://lake/big.parquet"), 8 * 1024);
    List<SourceRecord> tail =
        readAll(
            new ParquetSource(resumed, "s3://lake/big.parquet", spec("x"), COLUMNS, "row:19990"));
    assertThat(tail).extracting(SourceRecord::position).startsWith(19_991L).hasSize(10);
    assertThat(resumed.gets()).isLessThan(input.gets() / 2);
  }

  @Test
  void a_connection_cut_inside_a_ranged_get_resumes_from_the_byte_reached_within_the_range()
      throws IOException {
    byte[] object = new byte[12 * 1024 * 1024]; // far more than the socket buffers hold
    for (int i = 0; i < object.length; i++) {
      object[i] = (byte) (i * 31 + (i >> 13));
    }
    s3.put("lake", "chunk.bin", object);
    int from = 1000;
    int end = object.length - 777;
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", s3.port())) {
      s3.useInThisJvm("http://127.0.0.1:" + proxy.port());
      S3Client client = S3Clients.shared(); // the proxy's endpoint has a client of its own
      byte[] read;
      try (S3ObjectStream in =
          new S3ObjectStream(client, S3Location.parse("s3://lake/chunk.bin"), from, end, null)) {
        byte[] head = in.readNBytes(4096);
        proxy.cutAll();
        byte[] rest = in.readAllBytes();
        read = new byte[head.length + rest.length];
        System.arraycopy(head, 0, read, 0, head.length);
        System.arraycopy(rest, 0, read, head.length, rest.length);
        assertThat(in.resumes()).isPositive();
      }
      assertThat(read).isEqualTo(Arrays.copyOfRange(object, from, end));
      assertThat(proxy.accepted()).as("a second connection resumed the read").isGreaterThan(1);
    } finally {
      s3.useInThisJvm();
    }
  }

  @Test
  void a_missing_object_is_permanent_and_named() {
    assertThatThrownBy(() -> open("s3://lake/none-${partition}.parquet", "us", null))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("s3://lake/none-us.parquet")
        .satisfies(e -> assertThat(Failures.classify(e).retry()).isFalse());
  }

  @Test
  void an_object_replaced_while_read_fails_as_permanent() throws IOException {
    s3.put("lake", "moving.parquet", file("v1.parquet", 5000));
    S3InputFile input =
        new S3InputFile(S3Clients.shared(), S3Location.parse("s3://lake/moving.parquet"), 8 * 1024);
    try (RecordSource source =
        new ParquetSource(input, "s3://lake/moving.parquet", spec("x"), COLUMNS, null)) {
      source.next();
      s3.put("lake", "moving.parquet", file("v2.parquet", 4000));

      assertThatThrownBy(
              () -> {
                while (source.next() != null) {
                  // reads on until the next row group's GET sees the new version
                }
              })
          .isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("s3://lake/moving.parquet")
          .hasMessageContaining("replaced")
          .satisfies(e -> assertThat(Failures.classify(e).retry()).isFalse());
    }
  }
}
