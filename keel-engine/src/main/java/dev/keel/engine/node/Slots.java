package dev.keel.engine.node;

import dev.keel.store.ClaimedTask;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's worker slots, as permits, and its claims in flight. A claim takes free slots before its
 * statement is sent and gives back those it did not fill: concurrent claims cannot together take
 * more tasks than there are slots. A task that ends in the statement recording its success may hand
 * its slot over to a task that statement claims; its end then frees nothing. Stopping (a drain)
 * refuses new claims, and a drain waits for the claims in flight, since one sent before it began
 * may still return tasks.
 */
final class Slots {
  private final Semaphore free;

  /**
   * Claim statements of this node in flight (claims of the loop or after a task, and completion
   * statements that claim): a drain must not find the node idle while one may still return tasks.
   */
  private final AtomicInteger claimsInFlight = new AtomicInteger();

  /**
   * Fences of tasks whose slot went to a task claimed by the statement that recorded their success.
   * Written by that statement's thread while the task's worker waits for it, read by the worker
   * when the task ends, after the statement returned.
   */
  private final Set<Long> handedOver = ConcurrentHashMap.newKeySet();

  private volatile boolean claiming = true;

  Slots(int slots) {
    this.free = new Semaphore(slots);
  }

  /**
   * Counts a claim in flight; false (and nothing counted) when claims have stopped. Counted before
   * {@code claiming} is read: {@link #stop} then a wait for {@link #claimsInFlight} of 0 either
   * stops this claim or waits for it. Every true is followed by one {@link #endClaim}.
   */
  boolean beginClaim() {
    claimsInFlight.incrementAndGet();
    if (!claiming) {
      claimsInFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  void endClaim() {
    claimsInFlight.decrementAndGet();
  }

  int claimsInFlight() {
    return claimsInFlight.get();
  }

  /** Takes up to {@code max} free slots for a claim; returns how many it took. */
  int take(int max) {
    int n = 0;
    while (n < max && free.tryAcquire()) {
      n++;
    }
    return n;
  }

  /** Gives back {@code n} slots a claim took and did not fill (or whose task never started). */
  void release(int n) {
    free.release(n);
  }

  boolean anyFree() {
    return free.availablePermits() > 0;
  }

  /**
   * Hands the slots of up to {@code max} of {@code finishing} (tasks this node holds, whose success
   * the next statement records) over to what that statement claims; returns how many.
   */
  int handOver(List<ClaimedTask> finishing, int max) {
    int n = 0;
    for (ClaimedTask t : finishing) {
      if (n == max) {
        break;
      }
      handedOver.add(t.fence());
      n++;
    }
    return n;
  }

  /**
   * The statement failed and recorded nothing: the finishing tasks keep their slots (and free them
   * when they end, as usual). Returns how many had been handed over.
   */
  int takeBack(List<ClaimedTask> finishing) {
    int n = 0;
    for (ClaimedTask t : finishing) {
      if (handedOver.remove(t.fence())) {
        n++;
      }
    }
    return n;
  }

  /** {@code task}'s worker is done with it: its slot is free again, unless it was handed over. */
  void ended(ClaimedTask task) {
    if (!handedOver.remove(task.fence())) {
      free.release();
    }
  }

  /** No claim begins from now on. */
  void stop() {
    claiming = false;
  }

  boolean claiming() {
    return claiming;
  }
}
