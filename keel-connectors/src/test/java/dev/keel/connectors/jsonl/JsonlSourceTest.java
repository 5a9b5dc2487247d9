package dev.keel.connectors.jsonl;

import static dev.keel.connectors.files.SourceTesting.columns;
import static dev.keel.connectors.files.SourceTesting.readAll;
import static dev.keel.connectors.files.SourceTesting.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.connectors.files.RawText;
import dev.keel.connectors.files.Sources;
import dev.keel.record.SourceRecord;
import dev.keel.spec.Column;
import dev.keel.spec.SourceSpec;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSourceTest {
  @TempDir Path dir;

  private static final List<Column> COLS = columns("id bigint, name text, amount numeric(12,2)");

  private List<SourceRecord> read(String content, List<Column> columns) throws IOException {
    return read(content, columns, SourceSpec.DEFAULT_MAX_RECORD_BYTES);
  }

  private List<SourceRecord> read(String content, List<Column> columns, long cap)
      throws IOException {
    Files.writeString(dir.resolve("in.jsonl"), content);
    JsonlSpec spec = new JsonlSpec("in.jsonl", StandardCharsets.UTF_8, ZoneOffset.UTC, cap);
    return readAll(Sources.open(spec, columns, "all", dir));
  }

  @Test
  void objects_become_records_with_missing_keys_null_and_unknown_keys_ignored() throws IOException {
    List<SourceRecord> records =
        read(
            """
        {"id": 1, "name": "ann", "amount": "1.5", "other": [1,2]}
        {"name": null, "id": 2}

        {"id": 3, "name": "", "amount": ""}
        """,
            COLS);
    assertThat(records).extracting(SourceRecord::position).containsExactly(1L, 2L, 4L);
    assertThat(values(records.get(0))).containsExactly(1L, "ann", new BigDecimal("1.50"));
    assertThat(values(records.get(1))).containsExactly(2L, null, null);
    assertThat(values(records.get(2))).containsExactly(3L, "", null);
  }

  @Test
  void a_line_that_is_not_json_is_rejected_with_its_line_number_and_reading_goes_on()
      throws IOException {
    List<SourceRecord> records = read("{\"id\": 1}\nid=2\n{\"id\": 3}\n", COLS);
    assertThat(records).hasSize(3);
    assertThat(records.get(1).isRejected()).isTrue();
    assertThat(records.get(1).position()).isEqualTo(2);
    assertThat(records.get(1).raw()).isEqualTo("id=2");
    assertThat(records.get(1).error()).startsWith("not valid JSON");
    assertThat(values(records.get(2)).get(0)).isEqualTo(3L);
  }

  @Test
  void a_trailing_comma_is_rejected() throws IOException {
    assertThat(read("{\"id\": 1,}\n", COLS).get(0).error()).startsWith("not valid JSON");
  }

  @Test
  void trailing_garbage_after_the_object_is_rejected() throws IOException {
    assertThat(read("{\"id\": 1} {\"id\": 2}\n", COLS).get(0).isRejected()).isTrue();
  }

  @Test
  void a_duplicate_key_is_rejected_rather_than_one_value_silently_winning() throws IOException {
    assertThat(read("{\"id\": 1, \"id\": 2}\n", COLS).get(0).error()).contains("id");
  }

  @Test
  void a_line_that_is_not_an_object_is_rejected() throws IOException {
    List<SourceRecord> records = read("[1, \"ann\"]\n42\n", COLS);
    assertThat(records.get(0).error()).isEqualTo("expected a JSON object, found an array");
    assertThat(records.get(1).error()).isEqualTo("expected a JSON object, found a number");
  }

  @Test
  void a_nested_object_where_a_scalar_is_declared_is_rejected_naming_the_column()
      throws IOException {
    List<SourceRecord> records = read("{\"id\": 1, \"name\": {\"first\": \"ann\"}}\n", COLS);
    assertThat(records.get(0).error())
        .isEqualTo("column name: a nested object where text is declared");
  }

  @Test
  void huge_numbers_keep_every_digit_or_are_rejected() throws IOException {
    List<Column> cols = columns("id bigint, n numeric, d double precision, t text");
    List<SourceRecord> records =
        read(
            """
        {"id": 9223372036854775807, "n": 123456789012345678901234567890.123456789, "t": 1.50}
        {"id": 9223372036854775808}
        {"id": 1.0}
        {"d": 1e400}
        """,
            cols);
    assertThat(values(records.get(0)))
        .containsExactly(
            Long.MAX_VALUE,
            new BigDecimal("123456789012345678901234567890.123456789"),
            null,
            "1.50");
    assertThat(records.get(1).error()).contains("column id:", "out of range for bigint");
    assertThat(records.get(2).error()).contains("column id:", "is not a bigint");
    assertThat(records.get(3).error()).contains("column d:", "out of range");
  }

  @Test
  void strings_go_through_the_same_coercion_as_csv() throws IOException {
    List<Column> cols = columns("ok boolean, ts timestamptz");
    List<SourceRecord> records =
        read(
            """
        {"ok": "yes", "ts": "2026-01-02T03:04:05+01:00"}
        {"ok": true, "ts": "2026-02-29 00:00:00"}
        {"ok": "maybe"}
        """,
            cols);
    assertThat(values(records.get(0)))
        .containsExactly(true, OffsetDateTime.of(2026, 1, 2, 2, 4, 5, 0, ZoneOffset.UTC));
    assertThat(records.get(1).error()).startsWith("column ts:");
    assertThat(records.get(2).error()).startsWith("column ok:");
  }

  @Test
  void crlf_line_endings_and_a_bom_are_handled() throws IOException {
    List<SourceRecord> records =
        read("\uFEFF{\"id\": 1, \"name\": \"a\"}\r\n{\"id\": 2, \"name\": \"b\"}\r\n", COLS);
    assertThat(values(records.get(0))).containsExactly(1L, "a", null);
    assertThat(values(records.get(1))).containsExactly(2L, "b", null);
  }

  @Test
  void invalid_utf8_in_a_string_rejects_that_line_only() throws IOException {
    byte[] bad =
        "{\"id\": 1, \"name\": \"caf\u00e9\"}\n{\"id\": 2}\n"
            .getBytes(java.nio.charset.Charset.forName("windows-1252"));
    Files.write(dir.resolve("in.jsonl"), bad);
    JsonlSpec spec = new JsonlSpec("in.jsonl", StandardCharsets.UTF_8, ZoneOffset.UTC, 1024);
    List<SourceRecord> records = readAll(Sources.open(spec, COLS, "all", dir));
    assertThat(records.get(0).error()).contains("column name:", "encoding:");
    assertThat(values(records.get(1)).get(0)).isEqualTo(2L);
  }

  @Test
  void a_line_over_the_cap_is_rejected_and_the_next_line_is_read() throws IOException {
    Path file = dir.resolve("in.jsonl");
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write("{\"id\": 1}\n{\"id\": 2, \"name\": \"");
      char[] chunk = new char[64 * 1024];
      Arrays.fill(chunk, 'x');
      for (int i = 0; i < 16; i++) {
        w.write(chunk); // a 1 MiB line against a 4 KiB cap
      }
      w.write("\"}\n{\"id\": 3}\n");
    }
    JsonlSpec spec = new JsonlSpec("in.jsonl", StandardCharsets.UTF_8, ZoneOffset.UTC, 4096);
    List<SourceRecord> records = readAll(Sources.open(spec, COLS, "all", dir));
    assertThat(records).hasSize(3);
    assertThat(records.get(1).position()).isEqualTo(2);
    assertThat(records.get(1).error())
        .isEqualTo("line is longer than the 4 KiB cap (max_record_bytes); skipped");
    assertThat(records.get(1).raw()).startsWith("{\"id\": 2").hasSizeLessThan(RawText.CAP + 20);
    assertThat(values(records.get(2)).get(0)).isEqualTo(3L);
  }

  @Test
  void a_last_line_without_newline_is_read() throws IOException {
    assertThat(read("{\"id\": 1}\n{\"id\": 2}", COLS)).hasSize(2);
  }

  @Test
  void a_number_of_1001_digits_is_rejected_with_its_line_and_reading_goes_on() throws IOException {
    List<SourceRecord> records =
        read("{\"id\": 1}\n{\"id\": 2, \"amount\": " + "9".repeat(1001) + "}\n{\"id\": 3}\n", COLS);
    assertThat(records).hasSize(3);
    assertThat(records.get(1).isRejected()).isTrue();
    assertThat(records.get(1).position()).isEqualTo(2);
    assertThat(records.get(1).error()).containsIgnoringCase("number").contains("1000");
    assertThat(values(records.get(2)).get(0)).isEqualTo(3L);
  }

  @Test
  void nesting_deeper_than_the_limit_is_rejected_with_its_line() throws IOException {
    String deep = "[".repeat(1001) + "]".repeat(1001);
    List<SourceRecord> records = read("{\"id\": 1, \"other\": " + deep + "}\n{\"id\": 2}\n", COLS);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).isRejected()).isTrue();
    assertThat(records.get(0).position()).isEqualTo(1);
    assertThat(records.get(0).error()).contains("nest");
    assertThat(values(records.get(1)).get(0)).isEqualTo(2L);
  }

  @Test
  void an_exponent_out_of_range_is_rejected_with_its_line() throws IOException {
    List<SourceRecord> cols =
        read(
            "{\"id\": 1, \"amount\": 1e-2147483648}\n{\"id\": 2, \"d\": 1e-2147483648}\n{\"id\": 3}\n",
            columns("id bigint, amount numeric(12,2), d double precision"));
    assertThat(cols).hasSize(3);
    assertThat(cols.get(0).isRejected()).isTrue();
    assertThat(cols.get(0).error()).contains("out of range");
    assertThat(cols.get(1).isRejected()).isTrue();
    assertThat(cols.get(1).error()).contains("out of range");
    assertThat(values(cols.get(2)).get(0)).isEqualTo(3L);
  }

  @Test
  void a_lone_surrogate_escape_is_rejected_not_stored_as_a_question_mark() throws IOException {
    List<SourceRecord> records =
        read(
            "{\"id\": 1, \"name\": \"a\\ud800b\"}\n{\"id\": 2, \"name\": \"\\ud83d\\ude00\"}\n",
            COLS);
    assertThat(records.get(0).isRejected()).isTrue();
    assertThat(records.get(0).error()).startsWith("column name:").contains("lone UTF-16 surrogate");
    assertThat(values(records.get(1)).get(1)).isEqualTo("\uD83D\uDE00");
  }

  @Test
  void a_valid_replacement_character_is_data() throws IOException {
    List<SourceRecord> records = read("{\"id\": 1, \"name\": \"\uFFFD\"}\n", COLS);
    assertThat(values(records.get(0)).get(1)).isEqualTo("\uFFFD");
  }
}
