package dev.keel.server;

import dev.keel.store.Database;
import dev.keel.store.MetadataStore;
import dev.keel.testkit.TestDatabase;

/** A freshly migrated, empty keel schema on the test JVM's PostgreSQL. */
final class TestStore {
  private TestStore() {}

  static MetadataStore fresh() {
    TestDatabase.exec("DROP SCHEMA IF EXISTS keel CASCADE");
    return MetadataStore.open(new Database(TestDatabase.url(), null, null, 6, "test-metadata"));
  }
}
