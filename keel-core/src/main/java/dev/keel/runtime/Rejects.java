package dev.keel.runtime;

/** Where rejected records go (the dead-letter table), with their source position and reason. */
@FunctionalInterface
public interface Rejects {
  void reject(long position, String raw, String reason);
}
