package dev.keel.runtime;

/** Where rejected records go (the dead-letter table), with their source position and reason. */
@FunctionalInterface
public interface Rejects {
  void reject(long position, String raw, String reason);

  /**
   * Makes the rejects so far durable. Called before each chunk is published: a resumed attempt
   * does not read the records behind the checkpoint again, so their rejects must not be lost
   * with the attempt that read them.
   */
  default void flush() {}
}
