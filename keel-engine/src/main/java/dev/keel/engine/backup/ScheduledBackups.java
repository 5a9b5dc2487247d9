package dev.keel.engine.backup;

import dev.keel.store.BackupClaims;
import dev.keel.store.MetadataStore;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keel node --backup-to DEST --backup-every 1h}: every node runs this loop; each period (a
 * slot, by the database clock) exactly one of them wins {@link BackupClaims#claim} and exports the
 * configuration to a new folder or prefix named for the slot, {@code DEST/2026-11-29T10-00-00Z/},
 * so a bucket's versioning or retention keeps the history. A failed backup is recorded on its slot
 * and logged; the next slot tries again.
 */
public final class ScheduledBackups implements Runnable, AutoCloseable {
  /** How long a claim may stay unfinished before another node takes the slot over. */
  public static final Duration TAKEOVER = Duration.ofMinutes(10);

  /** The shortest period accepted (tests use seconds; a real cluster an hour or a day). */
  public static final Duration MIN_EVERY = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(ScheduledBackups.class);
  private static final DateTimeFormatter FOLDER =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'").withZone(ZoneOffset.UTC);

  private final BackupClaims claims;
  private final ConfigBackup backup;
  private final String node;
  private final String destination;
  private final BackupPlace root;
  private final Duration every;
  private ScheduledExecutorService loop;

  public ScheduledBackups(
      MetadataStore store, String node, String destination, BackupPlace root, Duration every) {
    if (every.compareTo(MIN_EVERY) < 0) {
      throw new IllegalArgumentException("--backup-every must be at least " + MIN_EVERY);
    }
    this.claims = store.backupClaims();
    this.backup = new ConfigBackup(store);
    this.node = node;
    this.destination = destination;
    this.root = root;
    this.every = every;
  }

  /** The folder or prefix a slot's backup goes to. */
  public static String folder(OffsetDateTime slot) {
    return FOLDER.format(slot);
  }

  /** Checks the slot often enough to start each backup within a tenth of the period (≤ 1 min). */
  public synchronized void start() {
    long tick = Math.max(200, Math.min(60_000, every.toMillis() / 10));
    loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keel-backups");
              t.setDaemon(true);
              return t;
            });
    loop.scheduleWithFixedDelay(this::runQuietly, 0, tick, TimeUnit.MILLISECONDS);
    log.info("node {}: configuration backups to {} every {}", node, destination, every);
  }

  private void runQuietly() {
    try {
      run();
    } catch (RuntimeException e) {
      log.warn("configuration backup check failed (will retry): {}", e.getMessage());
    }
  }

  /** One check: takes the current slot's backup if no node has. */
  @Override
  public void run() {
    Optional<BackupClaims.Claim> claim = claims.claim(node, every, destination, TAKEOVER);
    if (claim.isEmpty()) {
      return;
    }
    String folder = folder(claim.get().slot());
    BackupPlace place = root.child(folder);
    try {
      ConfigBackup.Exported done = backup.export(place);
      claims.finish(claim.get(), null);
      log.info(
          "configuration backup {}: {} pipeline versions, {} paused, {} tokens",
          place.describe(),
          done.versions(),
          done.pauses(),
          done.tokens());
    } catch (RuntimeException e) {
      claims.finish(claim.get(), e.getMessage());
      log.warn("configuration backup to {} failed: {}", place.describe(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.shutdownNow();
      loop = null;
    }
  }
}
