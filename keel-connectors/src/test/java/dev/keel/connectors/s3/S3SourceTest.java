package dev.keel.connectors.s3;

import static dev.keel.connectors.files.SourceTesting.columns;
import static dev.keel.connectors.files.SourceTesting.readAll;
import static dev.keel.connectors.files.SourceTesting.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.connectors.csv.CsvSpec;
import dev.keel.connectors.files.Sources;
import dev.keel.connectors.jsonl.JsonlSpec;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.Failures;
import dev.keel.runtime.ObjectStoreException;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import dev.keel.testkit.S3Server;
import dev.keel.testkit.TcpProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** csv and jsonl sources reading {@code s3://} objects from a real S3-compatible server. */
class S3SourceTest {
  private static final List<Column> ORDER =
      columns("id bigint, customer text, amount numeric(12,2)");
  private static S3Server s3;

  @BeforeAll
  static void server() {
    s3 = S3Server.shared();
    s3.createBucket("sources");
  }

  private static CsvSpec csv(String path) {
    return new CsvSpec(
        path,
        true,
        ',',
        '"',
        StandardCharsets.UTF_8,
        null,
        ZoneOffset.UTC,
        SourceSpec.DEFAULT_MAX_RECORD_BYTES);
  }

  private static RecordSource open(SourceSpec spec, String partition, String resume) {
    return Sources.open(spec, ORDER, partition, null, resume);
  }

  @Test
  void a_csv_object_is_read_exactly_and_resumes_after_a_checkpoint() throws IOException {
    s3.useInThisJvm();
    s3.put(
        "sources",
        "orders/orders-2026-01-01.csv",
        "id,customer,amount\n1,ann,10.50\n2,\"bob, jr\",3.00\n3,cy,0.01\n"
            .getBytes(StandardCharsets.UTF_8));
    CsvSpec spec = csv("s3://sources/orders/orders-${partition}.csv");

    List<SourceRecord> all = readAll(open(spec, "2026-01-01", null));
    assertThat(all)
        .extracting(r -> values(r))
        .containsExactly(
            List.of(1L, "ann", new BigDecimal("10.50")),
            List.of(2L, "bob, jr", new BigDecimal("3.00")),
            List.of(3L, "cy", new BigDecimal("0.01")));

    String afterFirst;
    try (RecordSource source = open(spec, "2026-01-01", null)) {
      source.next();
      afterFirst = source.position();
    }
    assertThat(readAll(open(spec, "2026-01-01", afterFirst)))
        .extracting(r -> values(r).get(0))
        .containsExactly(2L, 3L);
  }

  @Test
  void a_checkpoint_in_an_uncompressed_object_resumes_with_a_ranged_get_of_that_version()
      throws IOException {
    s3.useInThisJvm();
    String head = "id,customer,amount\n1,Zoë 東京 🚀,10.50\n";
    byte[] content = (head + "2,\"bob, jr\",3.00\n3,cy,0.01\n").getBytes(StandardCharsets.UTF_8);
    s3.put("sources", "ranged/r1.csv", content);
    CsvSpec spec = csv("s3://sources/ranged/${partition}.csv");

    String checkpoint;
    try (RecordSource source = open(spec, "r1", null)) {
      assertThat(values(source.next()).get(1)).isEqualTo("Zoë 東京 🚀");
      source.next();
      checkpoint = source.position();
    }
    // character 36 (the emoji is two chars), line 3, and the record's UTF-8 byte offset
    assertThat(checkpoint)
        .startsWith(
            "csv:" + head.length() + ":3:" + head.getBytes(StandardCharsets.UTF_8).length + ":");
    assertThat(readAll(open(spec, "r1", checkpoint)))
        .extracting(r -> values(r))
        .containsExactly(List.of(3L, "cy", new BigDecimal("0.01")));

    s3.put("sources", "ranged/r1.csv", (head + "9,new,1.00\n").getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> readAll(open(spec, "r1", checkpoint)))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("s3://sources/ranged/r1.csv")
        .hasMessageContaining("replaced")
        .satisfies(e -> assertThat(Failures.isTransient(e)).isFalse());
  }

  @Test
  void a_jsonl_checkpoint_resumes_with_a_ranged_get() throws IOException {
    s3.useInThisJvm();
    String first = "{\"id\":1,\"customer\":\"Zoë 🚀\",\"amount\":1.5}\n\n";
    String second = "{\"id\":2,\"customer\":\"東京\",\"amount\":2.5}\n";
    s3.put(
        "sources",
        "ranged/events.jsonl",
        (first + second + "{\"id\":3,\"customer\":\"x\",\"amount\":3.5}\n")
            .getBytes(StandardCharsets.UTF_8));
    JsonlSpec spec =
        new JsonlSpec(
            "s3://sources/ranged/${partition}.jsonl",
            StandardCharsets.UTF_8,
            ZoneOffset.UTC,
            SourceSpec.DEFAULT_MAX_RECORD_BYTES);

    String checkpoint;
    try (RecordSource source = open(spec, "events", null)) {
      source.next();
      assertThat(values(source.next()).get(1)).isEqualTo("東京");
      checkpoint = source.position();
    }
    assertThat(checkpoint)
        .startsWith(
            "line:3:" + first.length() + ":" + first.getBytes(StandardCharsets.UTF_8).length + ":");
    assertThat(readAll(open(spec, "events", checkpoint)))
        .extracting(r -> values(r).get(0))
        .containsExactly(3L);
  }

  @Test
  void a_gzip_jsonl_object_is_streamed_exactly() throws IOException {
    s3.useInThisJvm();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long expectedCents = 0;
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      for (int i = 1; i <= 20_000; i++) {
        gz.write(
            ("{\"id\":" + i + ",\"customer\":\"c" + i + "\",\"amount\":" + i + ".25}\n")
                .getBytes(StandardCharsets.UTF_8));
        expectedCents += i * 100L + 25;
      }
    }
    s3.put("sources", "events/p1.jsonl.gz", bytes.toByteArray());
    JsonlSpec spec =
        new JsonlSpec(
            "s3://sources/events/${partition}.jsonl.gz",
            StandardCharsets.UTF_8,
            ZoneOffset.UTC,
            SourceSpec.DEFAULT_MAX_RECORD_BYTES);

    List<SourceRecord> all = readAll(open(spec, "p1", null));

    assertThat(all).hasSize(20_000).noneMatch(SourceRecord::isRejected);
    assertThat(all.get(19_999).values()[1]).isEqualTo("c20000");
    long cents =
        all.stream()
            .mapToLong(r -> ((BigDecimal) r.values()[2]).movePointRight(2).longValueExact())
            .sum();
    assertThat(cents).isEqualTo(expectedCents);
  }

  @Test
  void a_missing_key_is_a_permanent_error_naming_bucket_and_key_but_no_credentials() {
    s3.useInThisJvm();
    CsvSpec spec = csv("s3://sources/orders/missing-${partition}.csv");

    assertThatThrownBy(() -> open(spec, "2026-02-30", null))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("s3://sources/orders/missing-2026-02-30.csv")
        .hasMessageContaining("no such key")
        .hasMessageNotContaining(S3Server.SECRET_KEY)
        .hasMessageNotContaining(S3Server.ACCESS_KEY)
        .satisfies(e -> assertThat(Failures.isTransient(e)).isFalse());
    assertThatThrownBy(() -> open(csv("s3://no-such-bucket/x.csv"), "p", null))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("s3://no-such-bucket/x.csv")
        .satisfies(e -> assertThat(Failures.isTransient(e)).isFalse());
  }

  @Test
  void a_connection_cut_mid_object_resumes_with_a_ranged_get() throws IOException {
    int rows = 400_000; // ~12 MB: far more than the socket buffers hold when the cut comes
    StringBuilder text = new StringBuilder("id,customer,amount\n");
    for (int i = 1; i <= rows; i++) {
      text.append(i).append(",customer-").append(i).append(',').append(i % 1000).append(".5\n");
    }
    s3.put("sources", "big/all.csv", text.toString().getBytes(StandardCharsets.UTF_8));
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", s3.port())) {
      s3.useInThisJvm("http://127.0.0.1:" + proxy.port());
      long count = 0;
      long expectedId = 1;
      try (RecordSource source = open(csv("s3://sources/big/${partition}.csv"), "all", null)) {
        for (SourceRecord r = source.next(); r != null; r = source.next()) {
          assertThat(values(r).get(0)).isEqualTo(expectedId);
          expectedId++;
          count++;
          if (count == 1000) {
            proxy.cutAll();
          }
        }
      }
      assertThat(count).isEqualTo(rows);
      assertThat(proxy.accepted()).as("a second connection resumed the read").isGreaterThan(1);
    } finally {
      s3.useInThisJvm();
    }
  }
}
