package dev.keel.store;

import dev.keel.KeelException;

/**
 * A KEEL_HOME whose embedded PostgreSQL keel must not use: another PostgreSQL major version, a data
 * folder owned by another user, a record that names a server serving another folder. Bad input
 * (exit 2): nothing was started or connected to.
 */
public final class EmbeddedServerRefused extends KeelException {
  public EmbeddedServerRefused(String message) {
    super(message);
  }
}
