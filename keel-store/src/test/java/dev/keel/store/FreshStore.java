package dev.keel.store;

import dev.keel.testkit.TestDatabase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A freshly migrated, empty metadata store on the test JVM's PostgreSQL for each test, closed after
 * it. Register with {@code @RegisterExtension final FreshStore db = new FreshStore();}.
 */
final class FreshStore implements BeforeEachCallback, AfterEachCallback {
  private static final int POOL_SIZE = 6;
  private MetadataStore store;

  @Override
  public void beforeEach(ExtensionContext context) {
    TestDatabase.reset();
    store = MetadataStore.open(new Database(TestDatabase.url(), null, null, POOL_SIZE, "test"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    store.close();
  }

  MetadataStore store() {
    return store;
  }

  /** A run of pipeline {@code p} over {@code partitions}, each task with {@code maxAttempts}. */
  long run(String trigger, int maxAttempts, String... partitions) {
    long version = store.versions().save("p", "h", "name: p", null);
    return store
        .runs()
        .create("p", version, trigger, Instant.now(), List.of(partitions), maxAttempts)
        .orElseThrow();
  }

  /** Moves a task's fence on, as another node's claim of it would. */
  static void takeOver(long taskId) {
    TestDatabase.exec(
        "update keel.task set fence = nextval('keel.fence_seq') where id = " + taskId);
  }
}
