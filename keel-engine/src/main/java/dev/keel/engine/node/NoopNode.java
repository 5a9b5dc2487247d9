package dev.keel.engine.node;

import dev.keel.runtime.TaskOutcome;
import dev.keel.store.MetadataStore;
import dev.keel.store.TaskCompletions;
import dev.keel.store.TaskCounts;
import java.time.Duration;

/**
 * A node whose tasks do nothing: the real claim loop, batch claims, heartbeat and fenced completion
 * (succeed + run refresh, group-committed per node as a node's TaskExecutor does), with no source
 * or sink. It measures the cost of the coordination itself.
 */
public final class NoopNode implements AutoCloseable {
  private final Loops loops = new Loops();
  private final Workers workers;

  public NoopNode(MetadataStore store, MetadataStore coordination, String id, int slots) {
    NodeConfig config = NodeConfig.builder(id).workers(slots).poll(Duration.ofMillis(100)).build();
    HeldTasks held = new HeldTasks(config.lease(), false, config.clock());
    coordination.nodes().register(id, "bench", ProcessHandle.current().pid(), null);
    loops.every(
        "heartbeat",
        config.heartbeat(),
        new Heartbeat(coordination.nodes(), id, held, config.lease(), config.clock()));
    TaskCompletions completions = new TaskCompletions(store);
    workers =
        new Workers(
            store,
            config,
            held,
            completions,
            (task, control) -> {
              if (completions.succeed(task, new TaskCounts(0, 0, 0, 0))) {
                completions.refresh(task.runId());
              }
              return TaskOutcome.SUCCEEDED;
            });
  }

  public void start() {
    workers.start();
  }

  @Override
  public void close() {
    workers.stopClaiming();
    try {
      workers.awaitIdle(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdown();
    loops.close();
  }
}
