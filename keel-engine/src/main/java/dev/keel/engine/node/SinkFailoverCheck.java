package dev.keel.engine.node;

import dev.keel.store.MetadataStore;
import dev.keel.store.SinkServers;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node loop: for each pipeline whose sink this node has loaded, asks the sink which server it
 * writes to now ({@link dev.keel.runtime.Sink#serverIdentity}) and records it. The node that first
 * records another server (a promoted standby) re-checks the load records of that pipeline's
 * partitions published within {@code window} and requeues each one the new server lacks: with
 * asynchronous replication a commit the primary acknowledged may never have reached the standby,
 * and keel must not believe that partition done. Nodes that see the same change later find it
 * recorded and do nothing, so the re-check happens once, without a leader.
 */
final class SinkFailoverCheck implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(SinkFailoverCheck.class);

  /** How often the sinks are asked. */
  static final Duration EVERY = Duration.ofSeconds(2);

  private final MetadataStore store;
  private final StoredPipelines pipelines;
  private final SinkServers servers;
  private final Duration window;

  /**
   * The identity this node last recorded per pipeline: the metadata row is written only when the
   * sink's answer differs from it, not on every tick.
   */
  private final java.util.Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();

  SinkFailoverCheck(MetadataStore store, StoredPipelines pipelines, Duration window) {
    this.store = store;
    this.pipelines = pipelines;
    this.servers = new SinkServers(store.db());
    this.window = window;
  }

  @Override
  public void run() {
    for (StoredPipelines.Loaded p : pipelines.newestPerPipeline()) {
      String name = p.spec().name();
      String identity = p.sink().serverIdentity();
      if (identity == null || identity.equals(seen.get(name))) {
        continue;
      }
      boolean changed = servers.changed(name, identity);
      seen.put(name, identity);
      if (!changed) {
        continue;
      }
      try {
        recheck(p, identity);
      } catch (RuntimeException e) {
        // Leave the change to be re-checked at a next tick (by any node) rather than lost.
        seen.remove(name);
        servers.unchecked(name, identity);
        throw e;
      }
    }
  }

  private void recheck(StoredPipelines.Loaded p, String identity) {
    String pipeline = p.spec().name();
    var published = servers.recent(pipeline, window);
    Set<String> missing =
        p.sink()
            .missingLoads(
                published.stream().map(SinkServers.Published::loadId).collect(Collectors.toSet()));
    log.warn(
        "pipeline {}: its sink is now served by another server ({}): a failover; {} partitions published in the last {}"
            + " checked, {} of them lost with the old server and queued again",
        pipeline,
        identity,
        published.size(),
        window,
        missing.size());
    if (!missing.isEmpty()) {
      // The new server may lack more than the loads: the target table itself, if it was created
      // after the replica fell behind. Preparing again is idempotent.
      p.sink().prepare();
    }
    for (SinkServers.Published pub : published) {
      if (missing.contains(pub.loadId())) {
        String note =
            "published, but the sink failed over to a server without this publish (load "
                + pub.loadId()
                + "); running it again";
        if (servers.requeue(pub, note)) {
          store.runs().refresh(pub.runId());
          log.warn("{}/{} (task {}): {}", pipeline, pub.partition(), pub.taskId(), note);
        }
      }
    }
  }
}
