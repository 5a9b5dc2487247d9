package dev.keel.runtime;

/**
 * A short label for a failure (see {@link Failures#causeOf}), for metric tags and alert summaries.
 * The set is closed so a metric tagged with it cannot grow without bound; {@link #tag()} is the
 * text those tags and logs have always shown.
 */
public enum FailureCause {
  CONNECTION("connection"),
  /** The server became read-only (a standby, SQLSTATE 25006): the database is failing over. */
  FAILOVER("failover"),
  SERIALIZATION("serialization"),
  DEADLOCK("deadlock"),
  RESOURCES("resources"),
  SHUTDOWN("shutdown"),
  LOCK("lock"),
  TIMEOUT("timeout"),
  REJECTED_LIMIT("rejected_limit"),
  FENCE_REFUSED("fence_refused"),
  PERMANENT("permanent");

  private final String tag;

  FailureCause(String tag) {
    this.tag = tag;
  }

  /** The metric tag value, e.g. {@code connection}. */
  public String tag() {
    return tag;
  }

  @Override
  public String toString() {
    return tag;
  }
}
