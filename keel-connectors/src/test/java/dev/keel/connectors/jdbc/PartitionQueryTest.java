package dev.keel.connectors.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionQueryTest {

  @Test
  void partition_becomes_a_parameter_each_time_it_appears() {
    PartitionQuery q = PartitionQuery.of("SELECT * FROM t WHERE a = :partition OR b = :partition");
    assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE a = ? OR b = ?");
    assertThat(q.parameters()).isEqualTo(2);
  }

  @Test
  void casts_literals_quoted_identifiers_comments_and_longer_names_are_left_alone() {
    String sql =
        """
        SELECT x::text, ':partition', "a:partition" FROM t -- :partition
        WHERE /* :partition */ r = :partition::text AND s = :partitions AND u = 'it''s :partition'""";
    PartitionQuery q = PartitionQuery.of(sql);
    assertThat(q.sql()).isEqualTo(sql.replace("r = :partition::text", "r = ?::text"));
    assertThat(q.parameters()).isEqualTo(1);
  }

  @Test
  void a_query_without_the_parameter_is_unchanged() {
    assertThat(PartitionQuery.of("SELECT 1").sql()).isEqualTo("SELECT 1");
    assertThat(PartitionQuery.of("SELECT 1").parameters()).isZero();
  }

  @Test
  void a_window_binds_its_names_and_a_plain_partition_leaves_them_alone() {
    String sql = "SELECT * FROM t WHERE ts >= :window_start AND ts < :window_end AND r = :value";
    PartitionQuery windowed = PartitionQuery.of(sql, PartitionQuery.WINDOW);
    assertThat(windowed.sql()).isEqualTo("SELECT * FROM t WHERE ts >= ? AND ts < ? AND r = ?");
    assertThat(windowed.names()).containsExactly("window_start", "window_end", "value");
    assertThat(PartitionQuery.of(sql).sql()).isEqualTo(sql);
  }
}
