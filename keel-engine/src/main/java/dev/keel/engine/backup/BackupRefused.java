package dev.keel.engine.backup;

import dev.keel.KeelException;

/**
 * A backup that cannot be written or restored as it is: a damaged or changed file, a missing
 * manifest, a destination that already holds a backup. Bad input (exit 2); nothing was written.
 */
public final class BackupRefused extends KeelException {
  public BackupRefused(String message) {
    super(message);
  }
}
