package dev.keel.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A node's successes and run refreshes, group-committed: the workers of a node that finish while an
 * earlier flush is in flight share the next statement (and its durable commit) instead of one each.
 * A lone worker's success goes out at once. With a {@link Refill}, the same statement also claims
 * the node's next tasks (complete-and-claim): for short tasks, one round trip per batch instead of
 * two per task. One instance per node, shared by its workers.
 */
public final class TaskCompletions {
  /** The node's free slots, filled by the statement that records successes. */
  public interface Refill {
    /**
     * Before the statement: how many tasks to claim with it, given that {@code finishing} of this
     * node's tasks end in it (their slots may be handed to the claims). 0 for none.
     */
    int reserve(List<ClaimedTask> finishing);

    /**
     * After it: what it claimed (at most {@code reserved}), or {@code failed} with nothing claimed.
     * {@code sent}: when the statement was sent, by the refill's clock (the claims' leases began no
     * earlier).
     */
    void claimed(
        int reserved,
        List<ClaimedTask> finishing,
        List<ClaimedTask> claimed,
        Instant sent,
        boolean failed);
  }

  private record Recorded(boolean succeeded, boolean refreshNeeded) {}

  private final MetadataStore store;
  private final GroupCommit<Tasks.Success, Recorded> successes;
  private final GroupCommit<Long, Boolean> refreshes;
  private volatile String node;
  private volatile String region;
  private volatile Duration lease;
  private volatile Clock clock;
  private volatile Refill refill;

  public TaskCompletions(MetadataStore store) {
    this.store = store;
    this.successes = new GroupCommit<>(this::flush);
    this.refreshes =
        new GroupCommit<>(
            runs -> {
              for (long run : new LinkedHashSet<>(runs)) {
                store.runs().refresh(run);
              }
              List<Boolean> out = new ArrayList<>(runs.size());
              runs.forEach(r -> out.add(true));
              return out;
            });
  }

  /**
   * Claims for {@code node} with every flush from now on, as many as {@code refill} reserves; the
   * time a flush was sent is read from {@code clock} (the node's).
   */
  public void refillWith(String node, Duration lease, Clock clock, Refill refill) {
    refillWith(node, null, lease, clock, refill);
  }

  /** The same for a node of {@code region} (null: none). */
  public void refillWith(String node, String region, Duration lease, Clock clock, Refill refill) {
    this.node = node;
    this.region = region;
    this.lease = lease;
    this.clock = clock;
    this.refill = refill;
  }

  /**
   * Records the success; throws {@link LeaseLostException} when the claim's fence is stale. Returns
   * whether the run must be refreshed now ({@link #refresh}); false when the same statement claimed
   * another task of the run while the run was running, so that task's end refreshes it.
   */
  public boolean succeed(ClaimedTask task, TaskCounts counts) {
    Recorded r = successes.submit(new Tasks.Success(task, counts));
    if (!r.succeeded()) {
      throw new LeaseLostException(
          "task "
              + task.id()
              + " ("
              + task.pipeline()
              + "/"
              + task.partition()
              + ") was taken over by another claim (fence "
              + task.fence()
              + " is stale)");
    }
    return r.refreshNeeded();
  }

  /**
   * Refreshes the run's state, by a refresh that starts after this call (so it sees every change
   * committed before it); concurrent calls share one.
   */
  public void refresh(long runId) {
    refreshes.submit(runId);
  }

  private List<Recorded> flush(List<Tasks.Success> batch) {
    Refill r = refill;
    List<ClaimedTask> finishing = new ArrayList<>(batch.size());
    batch.forEach(s -> finishing.add(s.task()));
    int reserved = r == null ? 0 : r.reserve(finishing);
    // when the statement is sent, not when this flush began: the pool may have kept it waiting
    // for a connection (through an outage) longer than a lease
    Clock c = clock;
    AtomicReference<Instant> sentAt = new AtomicReference<>(r == null ? null : c.instant());
    Runnable sending = r == null ? () -> {} : () -> sentAt.set(c.instant());
    Tasks.Exchange x;
    try {
      x = store.tasks().succeedAndClaim(batch, node, region, reserved, lease, sending);
    } catch (RuntimeException | Error e) {
      // An Error too: the slots reserved for the claims (and those of the finishing tasks) must go
      // back, or the node loses them for good and, after enough of these, stops claiming.
      if (r != null) {
        r.claimed(reserved, finishing, List.of(), sentAt.get(), true);
      }
      throw e;
    }
    if (r != null) {
      r.claimed(reserved, finishing, x.claimed(), sentAt.get(), false);
    }
    List<Recorded> out = new ArrayList<>(batch.size());
    for (Tasks.Success s : batch) {
      out.add(
          new Recorded(
              x.succeeded().contains(s.task().id()), !x.runsRunning().contains(s.task().runId())));
    }
    return out;
  }
}
