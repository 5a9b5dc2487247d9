package dev.keel.runtime;

/** Where rejected records go (the dead-letter table), with their source position and reason. */
@FunctionalInterface
public interface Rejects {
  void reject(long position, String raw, String reason);

  /**
   * Makes the rejects so far durable. Called before each chunk is published, and by the sink before
   * it commits a publish: a resumed attempt does not read the records behind the checkpoint again,
   * and a retry that finds its partition published does not publish (nor reject at publish) again,
   * so their rejects must not be lost with the attempt that made them.
   */
  default void flush() {}

  /**
   * Called by the sink before a publish (or chunk) commits that writes the target, with the lowest
   * and highest source position it staged: what earlier attempts at the partition rejected at those
   * positions is void, since none of their publishes of them committed and this attempt rejected
   * there what it rejects itself. Not called when the publish finds the partition published already
   * (an in-doubt commit of an earlier attempt): that attempt's rejects stand.
   */
  default void supersede(long fromPosition, long toPosition) {}
}
