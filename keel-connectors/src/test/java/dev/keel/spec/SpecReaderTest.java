package dev.keel.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.keel.connectors.csv.CsvSpec;
import dev.keel.connectors.jdbc.JdbcSpec;
import dev.keel.connectors.postgres.PostgresSinkProvider;
import dev.keel.connectors.postgres.PostgresSinkSpec;
import dev.keel.spec.ColumnType.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SpecReaderTest {
  private static final Path FILE = Path.of("pipelines", "orders.yaml");

  /** DESIGN.md section 2's example, with every validate rule. */
  private static final String FULL =
      """
      name: orders_daily
      schedule: "0 2 * * *"
      partitions:
        values: [eu, us, apac]
      source:
        csv: { path: "data/orders-${partition}.csv", header: true }
      columns:
        id: bigint
        customer: text
        amount: numeric(12,2)
        ts: timestamptz
        region: text
      transform:
        - filter: "amount > 0"
        - set: { customer: "upper(customer)" }
      validate:
        not_null: [id, customer]
        unique: true
        check: { positive: "amount > 0" }
        max_rejected: "1%"
      sink:
        postgres: { table: orders, key: [id], mode: upsert }
      retry: { attempts: 5, backoff: 2s, max_backoff: 5m }
      """;

  /** The least a pipeline needs; line numbers of later sections are used by several tests. */
  private static final String MINIMAL =
      """
      name: orders
      source:
        csv: { path: orders.csv }
      columns:
        id: bigint
        amount: numeric(12,2)
      sink:
        postgres: { key: [id] }
      """;

  private final Map<String, String> env = new HashMap<>();
  private final SpecReader reader = new SpecReader(new SecretResolver(env::get));

  private PipelineSpec parse(String text) {
    return reader.parse(text, FILE);
  }

  private SpecException failure(String text) {
    try {
      PipelineSpec spec = parse(text);
      return fail("expected problems, got " + spec);
    } catch (SpecException e) {
      return e;
    }
  }

  private List<SpecProblem> problems(String text) {
    return failure(text).problems();
  }

  private SpecProblem onlyProblem(String text) {
    List<SpecProblem> problems = problems(text);
    assertThat(problems).as("problems").hasSize(1);
    return problems.get(0);
  }

  private static void assertProblem(SpecProblem p, int line, int column, String... fragments) {
    assertThat(p.file()).isEqualTo(FILE.toString());
    assertThat(p.line()).as("line of " + p).isEqualTo(line);
    assertThat(p.column()).as("column of " + p).isEqualTo(column);
    assertThat(p.message()).contains(fragments);
  }

  // 1. The example and the defaults

  @Test
  void the_design_example_parses_into_the_expected_model() {
    PipelineSpec spec = parse(FULL);

    assertThat(spec.name()).isEqualTo("orders_daily");
    assertThat(spec.file()).isEqualTo(FILE);
    assertThat(spec.schedule()).isEqualTo("0 2 * * *");
    assertThat(spec.partitions().list()).containsExactly("eu", "us", "apac");
    assertThat(spec.source())
        .isEqualTo(
            new CsvSpec(
                "data/orders-${partition}.csv",
                true,
                ',',
                '"',
                java.nio.charset.StandardCharsets.UTF_8,
                null,
                ZoneOffset.UTC,
                SourceSpec.DEFAULT_MAX_RECORD_BYTES));
    assertThat(spec.columns())
        .containsExactly(
            new Column("id", ColumnType.of(Kind.BIGINT)),
            new Column("customer", ColumnType.of(Kind.TEXT)),
            new Column("amount", new ColumnType(Kind.NUMERIC, 12, 2)),
            new Column("ts", ColumnType.of(Kind.TIMESTAMPTZ)),
            new Column("region", ColumnType.of(Kind.TEXT)));
    assertThat(spec.transforms())
        .containsExactly(
            new TransformSpec.Filter("amount > 0"),
            new TransformSpec.Set(Map.of("customer", "upper(customer)")));
    assertThat(spec.validate())
        .isEqualTo(
            new ValidateSpec(
                List.of("id", "customer"),
                true,
                List.of(new ValidateSpec.Check("positive", "amount > 0")),
                new ValidateSpec.MaxRejected(0, 1.0)));
    assertThat(spec.sink())
        .isEqualTo(
            new PostgresSinkSpec(
                null,
                null,
                null,
                "public",
                "orders",
                List.of("id"),
                SinkSpec.Mode.UPSERT,
                null,
                SinkSpec.Commit.PARTITION,
                SinkSpec.DEFAULT_CHUNK_ROWS,
                false));
    assertThat(spec.retry())
        .isEqualTo(new RetrySpec(5, Duration.ofSeconds(2), Duration.ofMinutes(5)));
    assertThat(spec.text()).isEqualTo(FULL);
    assertThat(spec.hash()).hasSize(64).isEqualTo(SpecReader.sha256(FULL));
  }

  @Test
  void date_partitions_expand_to_every_day_from_first_to_last_inclusive() {
    PipelineSpec spec =
        parse(MINIMAL + "partitions:\n  dates: { from: 2026-02-27, to: 2026-03-02 }\n");

    assertThat(spec.partitions().isDates()).isTrue();
    assertThat(spec.partitions().from()).isEqualTo(LocalDate.of(2026, 2, 27));
    assertThat(spec.partitions().list())
        .containsExactly("2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02");
    assertThat(spec.partitions().contains("2026-03-01")).isTrue();
    assertThat(spec.partitions().contains("2026-03-03")).isFalse();
  }

  @Test
  void absent_sections_take_their_defaults() {
    PipelineSpec spec = parse(MINIMAL);

    assertThat(spec.schedule()).isNull();
    assertThat(spec.partitions()).isEqualTo(Partitions.SINGLE);
    assertThat(spec.partitions().list()).containsExactly("all");
    assertThat(spec.transforms()).isEmpty();
    assertThat(spec.validate()).isEqualTo(ValidateSpec.NONE);
    assertThat(spec.retry()).isEqualTo(RetrySpec.DEFAULT);
    PostgresSinkSpec sink = (PostgresSinkSpec) spec.sink();
    assertThat(sink.table()).isEqualTo("orders");
    assertThat(sink.schema()).isEqualTo("public");
    assertThat(sink.mode()).isEqualTo(SinkSpec.Mode.UPSERT);
  }

  @Test
  void a_sink_without_key_appends() {
    PipelineSpec spec =
        parse(MINIMAL.replace("postgres: { key: [id] }", "postgres: { table: facts }"));

    assertThat(spec.sink())
        .isEqualTo(
            new PostgresSinkSpec(
                null,
                null,
                null,
                "public",
                "facts",
                List.of(),
                SinkSpec.Mode.APPEND,
                null,
                SinkSpec.Commit.PARTITION,
                SinkSpec.DEFAULT_CHUNK_ROWS,
                false));
  }

  @Test
  void set_assignments_keep_the_order_they_are_written_in() {
    PipelineSpec spec =
        parse(
            MINIMAL.replace("columns:\n", "columns:\n  a: text\n  b: text\n  c: text\n  d: text\n")
                + "transform:\n  - set: { d: \"'1'\", c: \"d\", b: \"c\", a: \"b\" }\n");

    TransformSpec.Set set = (TransformSpec.Set) spec.transforms().get(0);
    assertThat(set.assignments().keySet()).containsExactly("d", "c", "b", "a");
  }

  @Test
  void read_resolves_a_file_from_disk(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("orders.yaml");
    Files.writeString(file, MINIMAL);

    PipelineSpec spec = reader.read(file);

    assertThat(spec.name()).isEqualTo("orders");
    assertThat(spec.baseDir()).isEqualTo(dir.toAbsolutePath());
  }

  // 2-4. YAML itself

  @Test
  void a_yaml_syntax_error_is_reported_with_line_and_column() {
    SpecProblem p = onlyProblem("name: orders\nsource: csv: x\n");

    assertProblem(p, 2, 12, "YAML syntax error", "mapping values are not allowed here");
  }

  @Test
  void an_unclosed_flow_mapping_is_a_syntax_error_not_a_crash() {
    SpecProblem p =
        onlyProblem("name: orders\nsource:\n  csv: { path: x.csv\ncolumns:\n  id: bigint\n");

    assertThat(p.message()).startsWith("YAML syntax error");
    assertThat(p.line()).isGreaterThanOrEqualTo(3);
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.SECONDS)
  void a_billion_laughs_alias_bomb_is_refused_quickly() {
    StringBuilder bomb =
        new StringBuilder(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (char c = 'b'; c <= 'i'; c++) {
      String prev = "*" + (char) (c - 1);
      bomb.append(c)
          .append(": &")
          .append(c)
          .append(" [")
          .append(String.join(",", java.util.Collections.nCopies(9, prev)))
          .append("]\n");
    }

    SpecProblem p = onlyProblem(bomb.toString());

    assertThat(p.message()).contains("aliases", "billion laughs");
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.SECONDS)
  void a_recursive_alias_is_reported_without_overflowing_the_stack() {
    List<SpecProblem> problems = problems(MINIMAL + "transform: &t [*t]\n");

    assertThat(problems)
        .singleElement()
        .satisfies(p -> assertProblem(p, 9, 12, "a transform step must be a mapping"));
  }

  @Test
  void java_type_tags_are_refused_with_their_position_and_never_constructed() {
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace("name: orders", "name: !!java.io.File /etc/passwd")
                + "description: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x\"]]]]\n");

    assertThat(problems).as("only the tags, not what follows from them").hasSize(4);
    assertProblem(
        problems.get(0), 1, 7, "type tag !!java.io.File is not allowed", "remove the tag");
    assertProblem(problems.get(1), 9, 14, "!!javax.script.ScriptEngineManager");
    assertProblem(problems.get(2), 9, 50, "!!java.net.URLClassLoader");
    assertProblem(problems.get(3), 9, 78, "!!java.net.URL");
  }

  @Test
  void custom_tags_are_refused_with_their_position() {
    SpecProblem p = onlyProblem(MINIMAL.replace("id: bigint", "id: !custom bigint"));

    assertProblem(p, 5, 7, "type tag !custom is not allowed");
  }

  @Test
  void merge_keys_are_refused_with_a_hint() {
    List<SpecProblem> problems = problems(MINIMAL + "retry:\n  <<: { attempts: 2 }\n");

    assertThat(problems)
        .first()
        .satisfies(p -> assertProblem(p, 10, 3, "merge keys (<<) are not supported"));
  }

  // 5. Unknown keys

  @Test
  void a_misspelled_top_level_key_suggests_the_right_one() {
    List<SpecProblem> problems = problems(MINIMAL.replace("columns:", "colums:"));

    assertThat(problems).hasSize(2);
    assertProblem(problems.get(0), 1, 1, "missing required key 'columns'", "columns: { id: bigint");
    assertProblem(
        problems.get(1), 4, 1, "unknown key 'colums' in the pipeline; did you mean 'columns'?");
  }

  @Test
  void a_misspelled_sink_key_suggests_the_right_one() {
    SpecProblem p = onlyProblem(MINIMAL.replace("{ key: [id] }", "{ tabel: orders, key: [id] }"));

    assertProblem(p, 8, 15, "unknown key 'tabel' in sink.postgres; did you mean 'table'?");
  }

  @Test
  void an_unknown_key_far_from_any_allowed_lists_them() {
    SpecProblem p = onlyProblem(MINIMAL + "retry: { zzzzzz: 1 }\n");

    assertProblem(
        p, 9, 10, "unknown key 'zzzzzz' in retry; allowed: attempts, backoff, jitter, max_backoff");
  }

  @Test
  void retry_jitter_is_full_by_default_and_can_be_turned_off() {
    assertThat(parse(MINIMAL + "retry: { attempts: 4 }\n").retry().jitter())
        .isEqualTo(RetrySpec.Jitter.FULL);
    assertThat(parse(MINIMAL + "retry: { attempts: 4, jitter: none }\n").retry())
        .isEqualTo(
            new RetrySpec(4, Duration.ofSeconds(1), Duration.ofMinutes(1), RetrySpec.Jitter.NONE));
  }

  @Test
  void an_unknown_retry_jitter_is_named() {
    SpecProblem p = onlyProblem(MINIMAL + "retry: { jitter: half }\n");

    assertThat(p.message()).isEqualTo("retry.jitter must be full or none, not 'half'");
  }

  @Test
  void a_misspelled_source_kind_is_reported_once() {
    SpecProblem p = onlyProblem(MINIMAL.replace("csv: {", "cvs: {"));

    assertProblem(p, 3, 3, "unknown key 'cvs' in source; did you mean 'csv'?");
  }

  @Test
  void a_misspelled_sink_kind_is_reported_once() {
    SpecProblem p = onlyProblem(MINIMAL.replace("postgres:", "postgress:"));

    assertProblem(p, 8, 3, "did you mean 'postgres'?");
  }

  // 6. Missing keys and wrong types

  @Test
  void every_missing_required_key_is_reported_with_an_example() {
    List<SpecProblem> problems = problems("description: nothing yet\n");

    assertThat(problems)
        .extracting(SpecProblem::message)
        .containsExactlyInAnyOrder(
            "missing required key 'name'; add for example name: orders_daily",
            "missing required key 'source'; add for example source: { csv: { path: data/orders.csv } }",
            "missing required key 'columns'; add for example columns: { id: bigint, customer: text }",
            "missing required key 'sink'; add for example sink: { postgres: { table: orders, key: [id] } }");
    assertThat(problems).allSatisfy(p -> assertThat(p.line() + ":" + p.column()).isEqualTo("1:1"));
  }

  @Test
  void empty_sections_are_reported_not_a_null_pointer() {
    List<SpecProblem> problems =
        problems("name: orders\nsource:\ncolumns:\nsink:\ntransform:\nvalidate:\nretry:\n");

    assertThat(problems)
        .extracting(SpecProblem::message)
        .containsExactly(
            "source must be a mapping (key: value)",
            "columns must be a mapping (key: value)",
            "sink must be a mapping (key: value)",
            "transform must be a list ([a, b] or one '- item' per line)",
            "validate must be a mapping (key: value)",
            "retry must be a mapping (key: value)");
  }

  @Test
  void wrong_types_name_the_key_and_the_value_given() {
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace("{ path: orders.csv }", "{ path: orders.csv, header: maybe }")
                + "retry:\n  attempts: \"ten\"\n  backoff: fast\n");

    assertThat(problems).hasSize(3);
    assertProblem(problems.get(0), 3, 36, "source.csv.header must be true or false, not 'maybe'");
    assertProblem(problems.get(1), 10, 13, "retry.attempts must be a whole number, not 'ten'");
    assertProblem(
        problems.get(2),
        11,
        12,
        "retry.backoff must be a duration such as 500ms, 2s, 5m or 1h, not 'fast'");
  }

  @Test
  void out_of_range_numbers_and_durations_are_problems_not_exceptions() {
    List<SpecProblem> problems =
        problems(
            MINIMAL
                + "retry: { attempts: 100000000000000000000, backoff: 99999999999999999999s, max_backoff: 1s }\n");

    assertThat(problems).hasSize(2);
    assertProblem(problems.get(0), 9, 20, "retry.attempts must be between 1 and 100");
    assertProblem(problems.get(1), 9, 52, "retry.backoff must be a duration");
  }

  @Test
  void max_backoff_shorter_than_backoff_is_reported() {
    SpecProblem p = onlyProblem(MINIMAL + "retry: { backoff: 1m, max_backoff: 10s }\n");

    assertProblem(p, 9, 8, "retry.max_backoff (PT10S) is shorter than retry.backoff (PT1M)");
  }

  @Test
  void a_description_must_be_text() {
    SpecProblem p = onlyProblem(MINIMAL + "description: [a, b]\n");

    assertProblem(p, 9, 14, "description must be a text value");
  }

  // 7. Cron

  @Test
  void an_invalid_cron_schedule_is_reported_on_the_schedule() {
    SpecProblem p = onlyProblem(MINIMAL + "schedule: \"61 * * * *\"\n");

    assertProblem(
        p,
        9,
        11,
        "schedule '61 * * * *' is not a valid cron expression (minute hour day month weekday, UTC)");
  }

  @Test
  void a_quartz_style_six_field_cron_is_refused() {
    SpecProblem p = onlyProblem(MINIMAL + "schedule: \"0 0 2 * * ?\"\n");

    assertProblem(p, 9, 11, "is not a valid cron expression");
  }

  // 8. Expressions

  @Test
  void a_filter_naming_an_unknown_column_points_at_that_name_in_a_double_quoted_value() {
    SpecProblem p = onlyProblem(MINIMAL + "transform:\n  - filter: \"amount > 0 && amont < 10\"\n");

    // "amont" is the 15th character of the value; the value starts after the quote at column 14.
    assertProblem(p, 10, 28, "unknown column 'amont'");
  }

  @Test
  void a_filter_naming_an_unknown_column_points_at_that_name_in_a_plain_value() {
    SpecProblem p = onlyProblem(MINIMAL + "transform:\n  - filter: amount > 0 && amont < 10\n");

    assertProblem(p, 10, 27, "unknown column 'amont'");
  }

  @Test
  void escapes_in_a_double_quoted_expression_are_counted_as_written() {
    SpecProblem p =
        onlyProblem(
            MINIMAL.replace("columns:\n", "columns:\n  customer: text\n")
                + "transform:\n  - filter: \"customer == \\\"x\\\" && amont > 0\"\n");

    // As written: - filter: "customer == \"x\" && amont > 0"; amont starts at column 35.
    assertProblem(p, 11, 35, "unknown column 'amont'");
  }

  @Test
  void doubled_quotes_in_a_single_quoted_expression_are_counted_as_written() {
    SpecProblem p =
        onlyProblem(
            MINIMAL.replace("columns:\n", "columns:\n  customer: text\n")
                + "transform:\n  - filter: 'customer == \"x\" || customer == ''y'' && amont > 0'\n");

    // As written: - filter: 'customer == "x" || customer == ''y'' && amont > 0'; amont at column
    // 54.
    assertProblem(p, 11, 54, "unknown column 'amont'");
  }

  @Test
  void an_unparsable_expression_points_at_the_offending_character() {
    SpecProblem p = onlyProblem(MINIMAL + "validate:\n  check: { small: \"amount < < 10\" }\n");

    // The value starts at column 20; CEL stops at the second '<', the 10th character.
    assertProblem(p, 10, 29, "expression 'amount < < 10' is invalid at column 10");
  }

  @Test
  void a_set_expression_of_the_wrong_type_is_reported_on_the_expression() {
    SpecProblem p = onlyProblem(MINIMAL + "transform:\n  - set: { amount: \"'x'\" }\n");

    assertThat(p.line()).isEqualTo(10);
    assertThat(p.column()).isEqualTo(21);
    assertThat(p.message()).contains("expression ''x''");
  }

  @Test
  void an_expression_in_a_block_scalar_is_reported_at_its_start() {
    SpecProblem p =
        onlyProblem(MINIMAL + "transform:\n  - filter: |\n      amount > 0 &&\n      amont < 10\n");

    assertProblem(p, 10, 13, "unknown column 'amont'");
  }

  // 9. Identifiers

  @Test
  void bad_column_names_are_each_refused_with_the_reason() {
    String longName = "a".repeat(64);
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace(
                "columns:\n",
                "columns:\n  in: text\n  Amount: text\n  montant_\u00e9: text\n  "
                    + longName
                    + ": text\n  'x\"; DROP TABLE y;--': text\n  _keel_pos: bigint\n"));

    assertThat(problems).hasSize(6);
    assertProblem(
        problems.get(0),
        5,
        3,
        "column 'in' is a reserved word of the expression language; choose another name");
    assertProblem(problems.get(1), 6, 3, "'Amount' has upper-case letters", "write 'amount'");
    assertProblem(
        problems.get(2), 7, 3, "'montant_\u00e9' is not a valid identifier: only ASCII letters");
    assertProblem(problems.get(3), 8, 3, "is longer than 63 bytes (PostgreSQL would truncate it)");
    assertProblem(
        problems.get(4),
        9,
        3,
        "'x\"; DROP TABLE y;--' is not a valid identifier",
        "use lower-case letters, digits and underscores");
    assertProblem(problems.get(5), 10, 3, "column names starting with _keel are reserved for keel");
  }

  @Test
  void columns_named_by_reserved_sql_words_are_accepted_since_they_are_always_quoted() {
    PipelineSpec spec =
        parse(
            MINIMAL.replace(
                "columns:\n", "columns:\n  order: text\n  user: text\n  select: text\n"));
    assertThat(spec.columns()).extracting(Column::name).startsWith("order", "user", "select");
  }

  @Test
  void bad_table_and_schema_names_are_refused() {
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace(
                "{ key: [id] }", "{ table: select, schema: 'x\"; DROP TABLE y;--', key: [id] }"));

    assertThat(problems).hasSize(2);
    assertProblem(problems.get(0), 8, 22, "sink.postgres.table: 'select' is a reserved SQL word");
    assertProblem(
        problems.get(1),
        8,
        38,
        "sink.postgres.schema: 'x\"; DROP TABLE y;--' is not a valid identifier");
  }

  @Test
  void a_pipeline_name_must_be_a_lower_case_identifier() {
    assertProblem(
        onlyProblem(MINIMAL.replace("name: orders", "name: Orders")),
        1,
        7,
        "name 'Orders' must match [a-z][a-z0-9_]*",
        "write 'orders'");
    assertProblem(
        onlyProblem(MINIMAL.replace("name: orders", "name: table")), 1, 7, "reserved SQL word");
    assertProblem(
        onlyProblem(MINIMAL.replace("name: orders", "name: _orders")),
        1,
        7,
        "must match [a-z][a-z0-9_]*");
  }

  // 10. Secrets

  private static final String JDBC =
      """
      name: orders
      source:
        jdbc:
          url: "jdbc:postgresql://db/shop?user=${env:DB_USER}"
          password: ${env:DB_PASSWORD}
          query: SELECT id FROM orders
      columns:
        id: bigint
      sink:
        postgres:
          url: jdbc:postgresql://dw/warehouse
          password: ${file:/run/secrets/dw}
          key: [id]
      """;

  @Test
  void an_unset_variable_and_a_missing_secret_file_are_named_at_their_lines() {
    env.put("DB_USER", "shop");
    List<SpecProblem> problems =
        problems(JDBC.replace("/run/secrets/dw", "/nonexistent/keel-test/dw"));

    assertThat(problems).hasSize(2);
    assertProblem(
        problems.get(0),
        5,
        15,
        "source.jdbc.password",
        "environment variable DB_PASSWORD is not set");
    assertProblem(
        problems.get(1),
        12,
        15,
        "sink.postgres.password",
        "secret file /nonexistent/keel-test/dw cannot be read");
  }

  @Test
  void resolved_secrets_never_appear_in_the_spec_or_its_problems(@TempDir Path dir)
      throws Exception {
    Path secretFile = dir.resolve("dw");
    Files.writeString(secretFile, "file-secret-42\n");
    env.put("DB_USER", "shop-user-secret");
    env.put("DB_PASSWORD", "env-secret-17");
    String text = JDBC.replace("/run/secrets/dw", secretFile.toString());

    PipelineSpec spec = parse(text);
    PostgresSinkSpec sink = (PostgresSinkSpec) spec.sink();
    JdbcSpec source = (JdbcSpec) spec.source();

    assertThat(sink.password().reveal()).isEqualTo("file-secret-42");
    assertThat(source.password().reveal()).isEqualTo("env-secret-17");
    assertThat(source.url().reveal()).isEqualTo("jdbc:postgresql://db/shop?user=shop-user-secret");
    assertThat(spec.toString())
        .doesNotContain("file-secret-42", "env-secret-17", "shop-user-secret", "text=")
        .contains("${env:DB_PASSWORD}", "${file:" + secretFile + "}");

    SpecException e = failure(text + "retry: { attempts: 0 }\n");
    assertThat(e.getMessage())
        .doesNotContain("file-secret-42", "env-secret-17", "shop-user-secret");
  }

  @Test
  void a_password_written_in_the_file_is_refused_and_never_echoed() {
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace(
                "{ key: [id] }",
                "{ key: [id], password: hunter2, url: \"postgresql://bob:hunter3@db/x\" }"));

    assertThat(problems).hasSize(2);
    assertProblem(
        problems.get(0), 8, 36, "sink.postgres.password must be a reference", "${env:NAME}");
    assertProblem(problems.get(1), 8, 50, "sink.postgres.url has a password written in it");
    assertThat(problems.toString()).doesNotContain("hunter");
  }

  @Test
  void a_spec_with_a_plain_url_does_not_print_the_file_text() {
    PipelineSpec spec =
        parse(MINIMAL.replace("{ key: [id] }", "{ key: [id], url: \"jdbc:postgresql://db/x\" }"));

    assertThat(spec.toString())
        .doesNotContain("jdbc:postgresql")
        .contains("name=orders", "hash=" + spec.hash());
  }

  // 11. Every problem at once

  @Test
  void every_problem_in_a_file_is_reported_in_file_order() {
    String text =
        MINIMAL
                .replace("name: orders", "name: Orders")
                .replace("id: bigint", "id: bigint\n  ts: timestamp_tz")
            + "retry: { attempts: 0 }\n";

    SpecException e = failure(text);

    assertThat(e.problems()).hasSize(3);
    assertProblem(e.problems().get(0), 1, 7, "name 'Orders'");
    assertProblem(
        e.problems().get(1), 6, 7, "column ts: unknown type 'timestamp_tz'", "timestamptz");
    assertProblem(e.problems().get(2), 10, 20, "retry.attempts must be between 1 and 100, not 0");
    assertThat(e.getMessage().lines())
        .hasSize(3)
        .allSatisfy(line -> assertThat(line).startsWith(FILE + ":"));
    assertThat(e.getMessage().lines().findFirst())
        .contains(
            FILE
                + ":1:7: name 'Orders' must match [a-z][a-z0-9_]* "
                + "('Orders' has upper-case letters, which PostgreSQL folds to lower case; write 'orders')");
  }

  // 12. Duplicate keys

  @Test
  void duplicate_keys_are_reported_at_the_second_occurrence() {
    List<SpecProblem> problems = problems(MINIMAL + "name: orders2\n");
    assertThat(problems)
        .singleElement()
        .satisfies(p -> assertProblem(p, 9, 1, "duplicate key 'name'"));

    SpecProblem column =
        onlyProblem(MINIMAL.replace("amount: numeric(12,2)", "amount: numeric(12,2)\n  id: text"));
    assertProblem(column, 7, 3, "duplicate key 'id'");
  }

  // 13. References to columns and sink modes

  @Test
  void set_on_an_unknown_column_is_reported_with_a_suggestion() {
    SpecProblem p = onlyProblem(MINIMAL + "transform:\n  - set: { amout: \"amount * 2\" }\n");

    assertProblem(p, 10, 12, "set: unknown column 'amout'; did you mean 'amount'?");
  }

  @Test
  void key_not_null_and_partition_column_must_name_declared_columns() {
    List<SpecProblem> problems =
        problems(
            MINIMAL.replace("{ key: [id] }", "{ key: [idd], partition_column: zone }")
                + "validate:\n  not_null: [id, custmer]\n");

    assertThat(problems).hasSize(3);
    assertProblem(
        problems.get(0), 8, 21, "sink.postgres.key: unknown column 'idd'; did you mean 'id'?");
    assertProblem(
        problems.get(1),
        8,
        45,
        "sink.postgres.partition_column: unknown column 'zone'; columns are id, amount");
    assertProblem(problems.get(2), 10, 18, "validate.not_null: unknown column 'custmer'");
  }

  @Test
  void upsert_without_a_key_is_refused() {
    SpecProblem p = onlyProblem(MINIMAL.replace("{ key: [id] }", "{ mode: upsert }"));

    assertProblem(p, 8, 13, "mode upsert needs key: [column, ...]");
  }

  @Test
  void an_unknown_mode_lists_the_modes() {
    SpecProblem p = onlyProblem(MINIMAL.replace("{ key: [id] }", "{ key: [id], mode: merge }"));

    assertProblem(p, 8, 32, "sink.postgres.mode must be upsert, append or replace, not 'merge'");
  }

  @Test
  void replace_over_several_partitions_needs_a_partition_column() {
    String text =
        MINIMAL.replace("{ key: [id] }", "{ mode: replace }")
            + "partitions: { values: [eu, us] }\n";

    assertProblem(
        onlyProblem(text), 8, 13, "mode replace with several partitions needs partition_column");
    assertThat(parse(MINIMAL.replace("{ key: [id] }", "{ mode: replace }")).sink())
        .extracting("mode")
        .isEqualTo(SinkSpec.Mode.REPLACE);
  }

  // 14. Partitions

  @Test
  void a_partition_value_listed_twice_is_reported() {
    SpecProblem p = onlyProblem(MINIMAL + "partitions: { values: [eu, us, eu] }\n");

    assertProblem(p, 9, 32, "partition value 'eu' is listed twice");
  }

  @Test
  void partition_values_that_could_escape_a_path_are_refused() {
    List<SpecProblem> problems = problems(MINIMAL + "partitions: { values: [eu, .., a/b] }\n");

    assertThat(problems).hasSize(2);
    assertProblem(
        problems.get(0), 9, 28, "partition value '..' may use only letters", "not be '.' or '..'");
    assertProblem(problems.get(1), 9, 32, "partition value 'a/b' may use only letters");
  }

  @Test
  void a_date_range_ending_before_it_starts_is_reported_on_to() {
    SpecProblem p =
        onlyProblem(MINIMAL + "partitions:\n  dates: { from: 2026-01-31, to: 2026-01-01 }\n");

    assertProblem(p, 10, 34, "partitions.dates: 'to' (2026-01-01) is before 'from' (2026-01-31)");
  }

  @Test
  void an_impossible_date_is_reported() {
    SpecProblem p =
        onlyProblem(MINIMAL + "partitions:\n  dates: { from: 2026-02-29, to: 2026-03-01 }\n");

    assertProblem(p, 10, 18, "partitions.dates.from must be a date yyyy-mm-dd, not '2026-02-29'");
  }

  @Test
  void values_and_dates_together_are_refused() {
    SpecProblem p =
        onlyProblem(
            MINIMAL
                + "partitions:\n  values: [a]\n  dates: { from: 2026-01-01, to: 2026-01-02 }\n");

    assertProblem(p, 10, 3, "partitions needs exactly one of");
  }

  // 15. Shapes of the file

  @Test
  void an_empty_file_says_what_a_pipeline_needs() {
    assertProblem(
        onlyProblem(""),
        1,
        1,
        "the file is empty; a pipeline needs at least name, source, columns and sink");
    assertProblem(onlyProblem("# just a comment\n"), 1, 1, "the file is empty");
  }

  @Test
  void a_file_that_is_a_list_is_refused() {
    assertProblem(
        onlyProblem("- name: orders\n- name: other\n"),
        1,
        1,
        "a pipeline file must be a mapping (key: value)");
  }

  @Test
  void more_columns_than_postgresql_allows_are_refused() {
    StringBuilder columns = new StringBuilder("columns:\n");
    for (int i = 0; i < PostgresSinkProvider.MAX_COLUMNS + 1; i++) {
      columns.append("  c").append(i).append(": text\n");
    }
    String text =
        MINIMAL
            .replace("columns:\n", columns.toString())
            .replace("key: [id]", "key: [c0]")
            .replace("  id: bigint\n", "")
            .replace("  amount: numeric(12,2)\n", "");

    assertThat(PostgresSinkProvider.MAX_COLUMNS).isEqualTo(1599);
    assertProblem(onlyProblem(text), 5, 3, "1600 columns is too many: at most 1599");
    assertThat(parse(text.replace("  c1599: text\n", "")).columns()).hasSize(1599);
  }

  @Test
  void reading_a_missing_file_is_a_problem_naming_the_file(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    try {
      reader.read(missing);
      fail("expected a SpecException");
    } catch (SpecException e) {
      assertThat(e.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.file()).isEqualTo(missing.toString()))
          .satisfies(p -> assertThat(p.message()).contains("the pipeline file cannot be read"));
    }
  }

  @Test
  void a_nul_byte_is_reported_at_its_line_and_column() {
    SpecProblem p = onlyProblem("name: orders\nsource: a\u0000b\n");

    assertProblem(p, 2, 10, "character U+0000", "remove it");
  }

  @Test
  void a_file_that_is_not_utf8_is_refused_on_read(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("latin1.yaml");
    Files.write(
        file,
        (MINIMAL + "description: caf\u00e9\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    try {
      reader.read(file);
      fail("expected a SpecException");
    } catch (SpecException e) {
      assertThat(e.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.message()).contains("not valid UTF-8", "save it as UTF-8"));
    }
  }

  @Test
  void a_utf8_byte_order_mark_is_ignored(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bom.yaml");
    Files.writeString(file, "\ufeff" + MINIMAL);

    assertThat(reader.read(file).name()).isEqualTo("orders");
  }
}
