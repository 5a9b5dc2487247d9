package dev.keel.engine.node;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that never jumps: it reads the wall clock once, when the process first uses it, and from
 * then on advances by {@link System#nanoTime()}. A node judges the leases it holds by it: a task
 * must stop when its lease has run out by this node's own time, whatever NTP does to the wall clock
 * meanwhile (whether a lease has expired for the cluster is the database clock's call, not this
 * one's). Tests inject a clock they set instead.
 */
final class MonotonicClock extends Clock {
  private static final Instant ORIGIN = Instant.now();
  private static final long ORIGIN_NANOS = System.nanoTime();
  static final MonotonicClock UTC = new MonotonicClock(ZoneOffset.UTC);

  private final ZoneId zone;

  private MonotonicClock(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return zone.equals(this.zone) ? this : new MonotonicClock(zone);
  }

  @Override
  public Instant instant() {
    return ORIGIN.plusNanos(System.nanoTime() - ORIGIN_NANOS);
  }
}
