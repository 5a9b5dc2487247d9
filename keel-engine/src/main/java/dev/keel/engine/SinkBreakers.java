package dev.keel.engine;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker (Resilience4j) per sink database, shared by every task of this process that
 * writes there. Only connection failures at the sink are recorded. It opens when at least half of
 * the last {@link #WINDOW} attempts (and at least {@link #MIN_CALLS}) failed that way; while open,
 * tasks for that sink are not run and not failed: they go back to the queue without spending an
 * attempt, due when the breaker next lets one through. That probe comes {@link #FIRST_PROBE} after
 * opening, then twice as long each time it fails, up to {@code wait}: a database that is back in 5
 * s runs its tasks again within seconds, one that stays away costs one probe per {@code wait}. A
 * probe's success closes the breaker, its connection failure opens it again. The outage is logged
 * once, when it starts and when it ends, however many tasks wait meanwhile.
 */
public final class SinkBreakers {
  private static final Logger log = LoggerFactory.getLogger(SinkBreakers.class);
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

  /**
   * The first probe after the breaker opens; each failed probe doubles the wait, up to {@code
   * wait}.
   */
  static final Duration FIRST_PROBE = Duration.ofSeconds(1);

  static final int WINDOW = 5;

  /**
   * Failed attempts before the breaker may open: a blip that kills the pool's idle connections
   * costs one or two attempts and heals on a fresh connection; three in a row is an outage.
   */
  static final int MIN_CALLS = 3;

  private final Duration wait;
  private final IntervalFunction probes;

  /** Dates outages (logs, notes); the breakers' own timing is Resilience4j's. */
  private final Clock clock;

  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

  /** When each sink's current outage began (first opening), until the breaker closes again. */
  private final Map<String, Instant> outages = new ConcurrentHashMap<>();

  /**
   * How many times each sink's breaker opened in its current outage: the probe interval grows with
   * it.
   */
  private final Map<String, Integer> openings = new ConcurrentHashMap<>();

  public SinkBreakers(Duration wait) {
    this(wait, Clock.systemUTC());
  }

  public SinkBreakers(Duration wait, Clock clock) {
    this.wait = wait;
    this.clock = clock;
    Duration first = FIRST_PROBE.compareTo(wait) < 0 ? FIRST_PROBE : wait;
    this.probes = IntervalFunction.ofExponentialBackoff(first, 2.0, wait);
  }

  /** Now, by this breakers' clock. */
  Instant now() {
    return clock.instant();
  }

  public Duration waitDuration() {
    return wait;
  }

  /** The breaker of the sink named {@code key} (a URL without credentials). */
  CircuitBreaker of(String key) {
    return breakers.computeIfAbsent(
        key,
        k -> {
          CircuitBreaker cb =
              CircuitBreaker.of(
                  k,
                  CircuitBreakerConfig.custom()
                      .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                      .slidingWindowSize(WINDOW)
                      .minimumNumberOfCalls(MIN_CALLS)
                      .failureRateThreshold(50)
                      .permittedNumberOfCallsInHalfOpenState(1)
                      .waitIntervalFunctionInOpenState(probes)
                      .automaticTransitionFromOpenToHalfOpenEnabled(false)
                      .build());
          cb.getEventPublisher()
              .onStateTransition(
                  e -> {
                    switch (e.getStateTransition().getToState()) {
                      case OPEN -> {
                        openings.merge(k, 1, Integer::sum);
                        if (outages.putIfAbsent(k, clock.instant()) == null) {
                          log.warn(
                              "sink {} is unreachable after repeated connection failures; its tasks wait (no attempt is spent)"
                                  + " and one tries again after {} s, then twice as long each time, up to {} s",
                              k,
                              FIRST_PROBE.toMillis() / 1000.0,
                              wait.toSeconds());
                        }
                      }
                      case CLOSED -> {
                        openings.remove(k);
                        Instant since = outages.remove(k);
                        if (since != null) {
                          log.info(
                              "sink {} is back after {} s; its tasks run again",
                              k,
                              Duration.between(since, clock.instant()).toSeconds());
                        }
                      }
                      default -> {}
                    }
                  });
          return cb;
        });
  }

  /**
   * How long until the breaker of {@code key} lets a task through again: its current open interval,
   * or the first probe's when it is not open (yet). A task put back to wait is due then.
   */
  Duration untilProbe(String key) {
    CircuitBreaker cb = breakers.get(key);
    if (cb == null || cb.getState() != CircuitBreaker.State.OPEN) {
      return Duration.ofMillis(probes.apply(1));
    }
    // Resilience4j opens for probes.apply(n) after its n-th opening of this outage; the opening
    // time
    // is not exposed, so the interval is taken whole: a task comes at most one interval late.
    return Duration.ofMillis(probes.apply(Math.max(1, openings.getOrDefault(key, 1))));
  }

  /** When the current outage of {@code key} began, or null when there is none. */
  Instant outageSince(String key) {
    return outages.get(key);
  }
}
