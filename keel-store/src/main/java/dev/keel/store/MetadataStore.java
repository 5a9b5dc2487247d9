package dev.keel.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * The metadata database: schema {@code keel}, migrated by Flyway on open. Repositories for each
 * table hang off it.
 */
public final class MetadataStore implements AutoCloseable {
  public static final String SCHEMA = "keel";

  private final Database db;

  private MetadataStore(Database db) {
    this.db = db;
  }

  /**
   * Connects and applies pending migrations (safe to run from many nodes at once: Flyway locks).
   */
  public static MetadataStore open(Database db) {
    flyway(db).migrate();
    return new MetadataStore(db);
  }

  /**
   * Migrations this code knows and the database has not applied (or failed to apply): not zero when
   * a newer keel migrated nothing yet, or a migration failed. For readiness checks.
   */
  public int pendingMigrations() {
    var info = flyway(db).info();
    int failed = 0;
    for (var m : info.all()) {
      if (m.getState().isFailed()) {
        failed++;
      }
    }
    return info.pending().length + failed;
  }

  /**
   * Each migration and its schema-history row in one transaction on one connection. Flyway's
   * PostgreSQL default (a transactional lock) runs the migration on a second connection and records
   * it on the first, so a process killed between the two commits leaves the change applied but not
   * recorded, and every later start fails on it ("column … already exists"). With the lock held by
   * the session instead, a kill rolls back both, and the lock goes with the connection.
   */
  static FluentConfiguration oneConnection() {
    FluentConfiguration config = Flyway.configure();
    config
        .getConfigurationExtension(PostgreSQLConfigurationExtension.class)
        .setTransactionalLock(false);
    return config;
  }

  static Flyway flyway(Database db) {
    return oneConnection()
        .dataSource(db.dataSource())
        .schemas(SCHEMA)
        .createSchemas(true)
        .table("flyway_schema_history")
        .locations("classpath:db/keel")
        .load();
  }

  /** A store on a database already migrated (a second, smaller pool of the same database). */
  public static MetadataStore attach(Database db) {
    return new MetadataStore(db);
  }

  public Database db() {
    return db;
  }

  public PipelineVersions versions() {
    return new PipelineVersions(db);
  }

  public ConfigTables configTables() {
    return new ConfigTables(db);
  }

  public BackupClaims backupClaims() {
    return new BackupClaims(db);
  }

  public Runs runs() {
    return new Runs(db);
  }

  public Tasks tasks() {
    return new Tasks(db);
  }

  public ExpiredLeases expiredLeases() {
    return new ExpiredLeases(db);
  }

  public Nodes nodes() {
    return new Nodes(db);
  }

  /** The session {@code nodeId} holds for its lifetime ({@link NodeSession}). */
  public NodeSession nodeSession(String nodeId) {
    return new NodeSession(db, nodeId);
  }

  public PipelineProblems problems() {
    return new PipelineProblems(db);
  }

  public Checkpoints checkpoints() {
    return new Checkpoints(db);
  }

  public AlertOutbox alerts() {
    return new AlertOutbox(db);
  }

  public Windows windows() {
    return new Windows(db);
  }

  public BufferBacklogs bufferBacklogs() {
    return new BufferBacklogs(db);
  }

  public SourceLags sourceLags() {
    return new SourceLags(db);
  }

  public DeadLetterStore deadLetters() {
    return new DeadLetterStore(db);
  }

  @Override
  public void close() {
    db.close();
  }
}
