package dev.keel.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Group commit: callers that arrive while a flush is running wait, and the first of them to see it
 * end flushes all that queued meanwhile in one call, on its own thread (no flusher thread, no
 * timer: a lone caller flushes at once). Each caller gets its own item's result, or the flush's
 * exception (an {@link Error} too: a caller never takes a missing result for a null one). One flush
 * at a time per instance; a flush must not submit to its own instance (it would wait for itself),
 * and is refused if it does.
 */
final class GroupCommit<T, R> {
  private static final class Slot<T, R> {
    final T item;
    R result;
    Throwable error;
    boolean done;

    Slot(T item) {
      this.item = item;
    }
  }

  private final Function<List<T>, List<R>> flush;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ended = lock.newCondition();
  private List<Slot<T, R>> pending = new ArrayList<>();
  private boolean flushing;
  private Thread flusher;

  /** {@code flush} takes a batch and returns one result per item, in the same order. */
  GroupCommit(Function<List<T>, List<R>> flush) {
    this.flush = flush;
  }

  R submit(T item) {
    Slot<T, R> mine = new Slot<>(item);
    List<Slot<T, R>> batch;
    lock.lock();
    try {
      if (flushing && flusher == Thread.currentThread()) {
        throw new IllegalStateException(
            "a submit from inside this group commit's own flush would wait for itself forever");
      }
      pending.add(mine);
      while (flushing && !mine.done) {
        ended.awaitUninterruptibly();
      }
      if (mine.done) {
        return resultOf(mine);
      }
      flushing = true;
      flusher = Thread.currentThread();
      batch = pending;
      pending = new ArrayList<>();
    } finally {
      lock.unlock();
    }
    List<T> items = new ArrayList<>(batch.size());
    batch.forEach(s -> items.add(s.item));
    try {
      List<R> results = flush.apply(items);
      if (results.size() != batch.size()) {
        throw new IllegalStateException(results.size() + " results for a batch of " + batch.size());
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result = results.get(i);
      }
    } catch (RuntimeException | Error e) {
      // Every caller in the batch gets it, the flusher included (rethrown below by resultOf).
      batch.forEach(s -> s.error = e);
    } finally {
      lock.lock();
      try {
        batch.forEach(s -> s.done = true);
        flushing = false;
        flusher = null;
        ended.signalAll();
      } finally {
        lock.unlock();
      }
    }
    return resultOf(mine);
  }

  /** Callers waiting for the next flush (for tests). */
  int waiting() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  private R resultOf(Slot<T, R> slot) {
    if (slot.error instanceof RuntimeException e) {
      throw e;
    }
    if (slot.error instanceof Error e) {
      throw e;
    }
    return slot.result;
  }
}
