package dev.keel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testkit.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A migration and its schema-history row commit together: a process killed between two separate
 * commits (Flyway's PostgreSQL default uses two connections) would leave a change applied but not
 * recorded, and every later start would fail re-applying it.
 */
class SchemaMigrationsTest {
  @RegisterExtension final FreshStore db = new FreshStore();

  @Test
  void each_migration_is_recorded_by_the_transaction_that_applied_it() {
    // V25 adds keel.node.session_lost_at: the column's catalog row and the history row share xmin
    assertThat(
            TestDatabase.count(
                """
                SELECT count(*) FROM keel.flyway_schema_history h
                JOIN pg_attribute a
                  ON a.attrelid = 'keel.node'::regclass AND a.attname = 'session_lost_at'
                WHERE h.version = '25' AND h.xmin = a.xmin"""))
        .isEqualTo(1);
  }
}
