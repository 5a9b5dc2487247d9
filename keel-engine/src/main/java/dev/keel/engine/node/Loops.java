package dev.keel.engine.node;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's background loops (heartbeat, reaper, scheduler, pipeline scan), each on its own thread
 * so a slow one never delays the heartbeat. A failed tick is caught, logged (the first of a streak
 * at WARN, the rest at DEBUG), counted, and the loop goes on at its next tick: a database restart
 * never takes the node down.
 */
final class Loops implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Loops.class);

  private final Map<String, ScheduledExecutorService> executors = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

  void every(String name, Duration period, Runnable tick) {
    ScheduledExecutorService ses =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keel-" + name);
              t.setDaemon(true);
              return t;
            });
    executors.put(name, ses);
    AtomicLong failed = failures.computeIfAbsent(name, k -> new AtomicLong());
    boolean[] inStreak = {false};
    ses.scheduleWithFixedDelay(
        () -> {
          try {
            tick.run();
            if (inStreak[0]) {
              log.info("{} loop recovered after {} failed ticks in all", name, failed.get());
              inStreak[0] = false;
            }
          } catch (RuntimeException e) {
            failed.incrementAndGet();
            if (!inStreak[0]) {
              log.warn(
                  "{} loop failed (will retry every {} ms): {}",
                  name,
                  period.toMillis(),
                  e.getMessage());
              inStreak[0] = true;
            } else {
              log.debug("{} loop failed again: {}", name, e.getMessage());
            }
          } catch (Error e) {
            failed.incrementAndGet();
            log.error("{} loop failed: {}", name, e.toString(), e);
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  long failures(String name) {
    AtomicLong n = failures.get(name);
    return n == null ? 0 : n.get();
  }

  void stop(String name) {
    ScheduledExecutorService ses = executors.remove(name);
    if (ses != null) {
      ses.shutdownNow();
    }
  }

  @Override
  public void close() {
    executors.keySet().forEach(this::stop);
  }
}
