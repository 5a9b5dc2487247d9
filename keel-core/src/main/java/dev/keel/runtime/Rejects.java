package dev.keel.runtime;

/** Where rejected records go (the dead-letter table), with their source position and reason. */
@FunctionalInterface
public interface Rejects {
  void reject(long position, String raw, String reason);

  /**
   * Makes the rejects so far durable. Called before each chunk is published, and by the sink
   * before it commits a publish: a resumed attempt does not read the records behind the checkpoint
   * again, and a retry that finds its partition published does not publish (nor reject at
   * publish) again, so their rejects must not be lost with the attempt that made them.
   */
  default void flush() {}
}
