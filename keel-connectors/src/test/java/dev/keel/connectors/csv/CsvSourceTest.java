package dev.keel.connectors.csv;

import static dev.keel.connectors.files.SourceTesting.columns;
import static dev.keel.connectors.files.SourceTesting.readAll;
import static dev.keel.connectors.files.SourceTesting.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.connectors.files.Sources;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {
  @TempDir Path dir;

  private static final List<Column> ORDER =
      columns("id bigint, customer text, amount numeric(12,2)");

  private Path write(String name, String content) throws IOException {
    return write(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  private static CsvSpec spec(String path, boolean header) {
    return spec(path, header, StandardCharsets.UTF_8, null, SourceSpec.DEFAULT_MAX_RECORD_BYTES);
  }

  private static CsvSpec spec(
      String path, boolean header, Charset encoding, String nullString, long cap) {
    return new CsvSpec(path, header, ',', '"', encoding, nullString, ZoneOffset.UTC, cap);
  }

  private RecordSource open(CsvSpec spec, List<Column> columns) {
    return Sources.open(spec, columns, "all", dir);
  }

  private List<SourceRecord> read(String content, boolean header, List<Column> columns)
      throws IOException {
    write("orders.csv", content);
    return readAll(open(spec("orders.csv", header), columns));
  }

  // 9. Empty file; header only; no final newline

  @Test
  void an_empty_file_without_a_header_has_no_records() throws IOException {
    assertThat(read("", false, ORDER)).isEmpty();
  }

  @Test
  void an_empty_file_where_a_header_is_declared_is_malformed_and_named() {
    assertThatThrownBy(() -> read("", true, ORDER))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv")
        .hasMessageContaining("the file is empty, but header: true");
  }

  @Test
  void a_truncated_gzip_file_is_a_permanent_failure_naming_the_file_and_the_line_reached()
      throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (Writer w =
        new java.io.OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
      w.write("id,customer,amount\n");
      for (int i = 1; i <= 20_000; i++) {
        w.write(i + ",customer number " + i + "," + i + ".25\n");
      }
    }
    byte[] all = bytes.toByteArray();
    write("orders.csv.gz", java.util.Arrays.copyOf(all, all.length / 2));

    assertThatThrownBy(() -> readAll(open(spec("orders.csv.gz", true), ORDER)))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv.gz line ")
        .hasMessageContaining("truncated")
        .hasMessageNotContaining("quote")
        .satisfies(e -> assertThat(dev.keel.runtime.Failures.isTransient(e)).isFalse());
  }

  @Test
  void an_empty_gzip_file_is_a_permanent_failure_naming_the_file() throws IOException {
    write("orders.csv.gz", new byte[0]);

    assertThatThrownBy(() -> readAll(open(spec("orders.csv.gz", true), ORDER)))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv.gz")
        .satisfies(e -> assertThat(dev.keel.runtime.Failures.isTransient(e)).isFalse());
  }

  @Test
  void a_directory_given_as_the_source_file_is_reported_as_a_directory() throws IOException {
    Files.createDirectory(dir.resolve("orders.csv"));

    assertThatThrownBy(() -> readAll(open(spec("orders.csv", true), ORDER)))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv: is a directory")
        .hasMessageNotContaining("quote");
  }

  @Test
  void a_header_only_file_has_no_records_with_or_without_a_final_newline() throws IOException {
    assertThat(read("id,customer,amount\n", true, ORDER)).isEmpty();
    assertThat(read("id,customer,amount", true, ORDER)).isEmpty();
  }

  @Test
  void the_last_record_is_read_without_a_final_newline() throws IOException {
    List<SourceRecord> records = read("id,customer,amount\n1,ann,1.50\n2,bob,2", true, ORDER);
    assertThat(records).hasSize(2);
    assertThat(values(records.get(1))).containsExactly(2L, "bob", new BigDecimal("2.00"));
    assertThat(records.get(1).position()).isEqualTo(3);
  }

  // 10. Duplicate or missing column names in the header; a BOM glued to the first name

  @Test
  void a_duplicate_header_name_is_an_error_naming_the_file_and_column() throws IOException {
    write("orders.csv", "id,customer,amount,customer\n1,a,2,b\n");
    assertThatThrownBy(() -> open(spec("orders.csv", true), ORDER))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv")
        .hasMessageContaining("'customer' twice");
  }

  @Test
  void a_declared_column_missing_from_the_header_is_an_error_naming_it() throws IOException {
    write("orders.csv", "id,customer\n1,a\n");
    assertThatThrownBy(() -> open(spec("orders.csv", true), ORDER))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv")
        .hasMessageContaining("no column 'amount'");
  }

  @Test
  void a_bom_glued_to_the_first_header_name_is_stripped() throws IOException {
    List<SourceRecord> records = read("\uFEFFid,customer,amount\r\n7,ann,1\r\n", true, ORDER);
    assertThat(values(records.get(0))).containsExactly(7L, "ann", new BigDecimal("1.00"));
  }

  @Test
  void a_bom_before_a_headerless_file_is_not_part_of_the_first_value() throws IOException {
    List<SourceRecord> records = read("\uFEFF7,ann,1\n", false, ORDER);
    assertThat(values(records.get(0))).containsExactly(7L, "ann", new BigDecimal("1.00"));
  }

  @Test
  void header_columns_map_by_name_in_any_order_and_extra_columns_are_ignored() throws IOException {
    List<SourceRecord> records = read("Amount,note,ID,customer\n3.5,ignored,9,zoe\n", true, ORDER);
    assertThat(values(records.get(0))).containsExactly(9L, "zoe", new BigDecimal("3.50"));
  }

  // 11. A row with too few or too many fields — rejected, never padded or truncated

  @Test
  void a_row_with_too_many_fields_is_rejected_and_the_next_row_is_read() throws IOException {
    List<SourceRecord> records = read("id,customer,amount\n1,ann,1,extra\n2,bob,2\n", true, ORDER);
    assertThat(records.get(0).isRejected()).isTrue();
    assertThat(records.get(0).error()).isEqualTo("expected 3 fields, found 4");
    assertThat(records.get(0).raw()).isEqualTo("\"1\",\"ann\",\"1\",\"extra\"");
    assertThat(records.get(0).position()).isEqualTo(2);
    assertThat(values(records.get(1))).containsExactly(2L, "bob", new BigDecimal("2.00"));
  }

  @Test
  void a_row_with_too_few_fields_is_rejected_not_padded() throws IOException {
    List<SourceRecord> records = read("1,ann\n", false, ORDER);
    assertThat(records)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.isRejected()).isTrue();
              assertThat(r.error()).isEqualTo("expected 3 fields, found 2");
              assertThat(r.position()).isEqualTo(1);
            });
  }

  // 12. An unterminated quote that runs to the end of the file; a stray quote inside a field

  @Test
  void an_unterminated_quote_to_the_end_of_the_file_is_an_error_naming_file_and_line()
      throws IOException {
    write("orders.csv", "1,ann,1\n2,\"bob,2\n3,cid,3\n");
    RecordSource source = open(spec("orders.csv", false), ORDER);
    assertThat(source.next().isRejected()).isFalse();
    assertThatThrownBy(source::next)
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv line 2");
  }

  @Test
  void an_unterminated_quote_in_a_big_file_hits_the_cap_and_says_so() throws IOException {
    String rest = "x,y,z\n".repeat(20_000);
    write("orders.csv", "1,ann,1\n2,\"bob,2\n" + rest);
    RecordSource source = readerWithCap("orders.csv", 4096);
    source.next();
    assertThatThrownBy(source::next)
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv line 2: record exceeds the 4 KiB cap (max_record_bytes)")
        .hasMessageContaining("unterminated quote");
  }

  @Test
  void a_quote_in_the_middle_of_an_unquoted_field_is_kept_as_text() throws IOException {
    List<SourceRecord> records = read("1,O\"Brien,1\n", false, ORDER);
    assertThat(values(records.get(0))).containsExactly(1L, "O\"Brien", new BigDecimal("1.00"));
  }

  @Test
  void text_after_a_closing_quote_is_an_error_naming_file_and_line() throws IOException {
    write("orders.csv", "1,ann,1\n2,\"ab\"c,2\n");
    RecordSource source = open(spec("orders.csv", false), ORDER);
    source.next();
    assertThatThrownBy(source::next)
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("orders.csv line 2");
  }

  // 13. CR, LF or CRLF inside quotes; mixed line endings

  @Test
  void newlines_inside_quotes_do_not_split_the_row_and_positions_are_start_lines()
      throws IOException {
    String csv = "1,\"a\nb\",1\r\n2,\"c\r\nd\",2\r3,\"e\rf\",3\n4,plain,4";
    List<SourceRecord> records = read(csv, false, ORDER);
    assertThat(records).hasSize(4);
    assertThat(values(records.get(0)).get(1)).isEqualTo("a\nb");
    assertThat(values(records.get(1)).get(1)).isEqualTo("c\r\nd");
    assertThat(values(records.get(2)).get(1)).isEqualTo("e\rf");
    assertThat(values(records.get(3)).get(1)).isEqualTo("plain");
    assertThat(records).extracting(SourceRecord::position).containsExactly(1L, 3L, 5L, 7L);
  }

  @Test
  void quoted_fields_hold_delimiters_and_doubled_quotes() throws IOException {
    List<SourceRecord> records = read("1,\"Smith, \"\"Jr\"\"\",1\n", false, ORDER);
    assertThat(values(records.get(0)).get(1)).isEqualTo("Smith, \"Jr\"");
  }

  @Test
  void blank_lines_are_skipped() throws IOException {
    List<SourceRecord> records = read("1,a,1\n\n2,b,2\n\n", false, ORDER);
    assertThat(records).extracting(SourceRecord::position).containsExactly(1L, 3L);
  }

  // 14. Invalid UTF-8, Windows-1252 bytes labelled UTF-8; a NUL byte

  @Test
  void an_invalid_utf8_byte_rejects_that_record_and_asks_for_an_encoding() throws IOException {
    byte[] cafe1252 = "1,caf\u00e9,1\n2,ok,2\n".getBytes(Charset.forName("windows-1252"));
    write("orders.csv", cafe1252);
    List<SourceRecord> records = readAll(open(spec("orders.csv", false), ORDER));
    assertThat(records.get(0).isRejected()).isTrue();
    assertThat(records.get(0).error()).startsWith("column customer:").contains("encoding:");
    assertThat(values(records.get(1))).containsExactly(2L, "ok", new BigDecimal("2.00"));
  }

  @Test
  void a_well_formed_replacement_character_is_data_not_an_encoding_error() throws IOException {
    write("orders.csv", "1,caf\uFFFD,1\n".getBytes(StandardCharsets.UTF_8));
    List<SourceRecord> records = readAll(open(spec("orders.csv", false), ORDER));
    assertThat(values(records.get(0))).containsExactly(1L, "caf\uFFFD", new BigDecimal("1.00"));
  }

  @Test
  void the_declared_encoding_decodes_windows_1252() throws IOException {
    write("orders.csv", "1,caf\u00e9 \u20ac,1\n".getBytes(Charset.forName("windows-1252")));
    CsvSpec spec =
        spec(
            "orders.csv",
            false,
            Charset.forName("windows-1252"),
            null,
            SourceSpec.DEFAULT_MAX_RECORD_BYTES);
    assertThat(values(readAll(open(spec, ORDER)).get(0)).get(1)).isEqualTo("caf\u00e9 \u20ac");
  }

  @Test
  void a_nul_byte_in_text_rejects_the_record() throws IOException {
    List<SourceRecord> records = read("1,a\u0000b,1\n", false, ORDER);
    assertThat(records.get(0).error()).startsWith("column customer:").contains("NUL");
  }

  // 15. A huge field — bounded memory, a cap with a clear message

  @Test
  void a_ten_megabyte_field_exceeds_the_default_cap_with_a_clear_message() throws IOException {
    Path file = dir.resolve("orders.csv");
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write("id,customer,amount\n1,ann,1\n2,\"");
      char[] chunk = new char[64 * 1024];
      java.util.Arrays.fill(chunk, 'x');
      for (int i = 0; i < 160; i++) {
        w.write(chunk);
      }
      w.write("\",2\n");
    }
    RecordSource source = open(spec("orders.csv", true), ORDER);
    assertThat(source.next().isRejected()).isFalse();
    assertThatThrownBy(source::next)
        .isInstanceOf(KeelException.class)
        .hasMessage(
            file
                + " line 3: record exceeds the 8 MiB cap (max_record_bytes); an unterminated quote can cause this");
  }

  @Test
  void a_record_under_the_cap_is_read_whole() throws IOException {
    String big = "y".repeat(3000);
    write("orders.csv", "1," + big + ",1\n");
    List<SourceRecord> records = readAll(readerWithCap("orders.csv", 4096));
    assertThat(values(records.get(0)).get(1)).isEqualTo(big);
  }

  // 16. More than 1,600 columns

  @Test
  void more_than_1600_declared_columns_are_refused() {
    List<Column> many = Collections.nCopies(1601, ORDER.get(1));
    assertThatThrownBy(() -> Sources.open(spec("x.csv", false), many, "all", dir))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining("1600");
  }

  // 17, 18. Type conversion and dates: the reason names the column

  @Test
  void a_numeric_scale_overflow_rejects_the_record_naming_the_column() throws IOException {
    List<SourceRecord> records = read("id,customer,amount\n5,ann,12.345\n", true, ORDER);
    assertThat(records.get(0).error())
        .isEqualTo("column amount: '12.345' has 3 decimal places, numeric(12,2) allows 2");
    assertThat(records.get(0).position()).isEqualTo(2);
    assertThat(records.get(0).raw()).isEqualTo("\"5\",\"ann\",\"12.345\"");
  }

  @Test
  void bad_numbers_and_booleans_reject_only_their_records() throws IOException {
    List<Column> cols = columns("id integer, ok boolean");
    List<SourceRecord> records = read("abc,yes\n2147483648,no\n3,maybe\n4,OFF\n", false, cols);
    assertThat(records.get(0).error()).isEqualTo("column id: 'abc' is not an integer");
    assertThat(records.get(1).error()).contains("column id:", "out of range for integer");
    assertThat(records.get(2).error()).contains("column ok:", "is not a boolean");
    assertThat(values(records.get(3))).containsExactly(4L, false);
  }

  @Test
  void dates_are_strict_and_timestamps_without_offset_use_the_source_zone() throws IOException {
    List<Column> cols = columns("d date, ts timestamptz");
    write(
        "t.csv",
        "2026-13-01,2026-01-01 00:00:00\n2026-02-28,2026-03-29 02:30:00\n01/02/03,2026-07-01 12:00\n2024-02-29,2026-07-01 12:00\n");
    CsvSpec spec =
        new CsvSpec(
            "t.csv",
            false,
            ',',
            '"',
            StandardCharsets.UTF_8,
            null,
            ZoneId.of("Europe/Paris"),
            SourceSpec.DEFAULT_MAX_RECORD_BYTES);
    List<SourceRecord> records = readAll(open(spec, cols));
    assertThat(records.get(0).error()).startsWith("column d:");
    assertThat(records.get(1).error()).contains("column ts:", "does not exist in Europe/Paris");
    assertThat(records.get(2).error()).contains("column d:", "ambiguous", "yyyy-mm-dd");
    assertThat(values(records.get(3)))
        .containsExactly(
            LocalDate.of(2024, 2, 29), OffsetDateTime.of(2026, 7, 1, 10, 0, 0, 0, ZoneOffset.UTC));
  }

  // 19. Empty string vs NULL vs the text NULL vs \N

  @Test
  void unquoted_empty_is_null_quoted_empty_is_empty_text_and_the_word_null_is_text()
      throws IOException {
    List<Column> cols = columns("id bigint, a text, b text, c text, n bigint, m bigint");
    List<SourceRecord> records = read("1,,\"\",NULL,,\"\"\n", false, cols);
    assertThat(values(records.get(0))).containsExactly(1L, null, "", "NULL", null, null);
  }

  @Test
  void the_configured_null_string_reads_as_null() throws IOException {
    List<Column> cols = columns("id bigint, a text, b text, n bigint");
    write("orders.csv", "1,\\N,,\\N\n");
    CsvSpec spec =
        spec(
            "orders.csv",
            false,
            StandardCharsets.UTF_8,
            "\\N",
            SourceSpec.DEFAULT_MAX_RECORD_BYTES);
    assertThat(values(readAll(open(spec, cols)).get(0))).containsExactly(1L, null, null, null);
  }

  // Files and paths

  @Test
  void a_gzip_file_is_decompressed_and_the_partition_replaced_in_its_path() throws IOException {
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(dir.resolve("orders-eu.csv.gz")))) {
      out.write("id,customer,amount\n1,ann,1\n".getBytes(StandardCharsets.UTF_8));
    }
    RecordSource source = Sources.open(spec("orders-${partition}.csv.gz", true), ORDER, "eu", dir);
    assertThat(source.describe()).isEqualTo(dir.resolve("orders-eu.csv.gz").toString());
    assertThat(values(readAll(source).get(0))).containsExactly(1L, "ann", new BigDecimal("1.00"));
  }

  @Test
  void a_missing_file_is_an_error_naming_the_resolved_path() {
    assertThatThrownBy(() -> Sources.open(spec("sub/missing.csv", true), ORDER, "all", dir))
        .isInstanceOf(KeelException.class)
        .hasMessageContaining(dir.resolve("sub/missing.csv").toString())
        .hasMessageContaining("not found");
  }

  @Test
  void a_partition_cannot_climb_out_of_the_folder() {
    assertThatThrownBy(
            () -> Sources.open(spec("data/${partition}/x.csv", true), ORDER, "../../etc", dir))
        .isInstanceOf(KeelException.class);
  }

  private RecordSource readerWithCap(String name, long cap) {
    return open(spec(name, false, StandardCharsets.UTF_8, null, cap), ORDER);
  }
}
