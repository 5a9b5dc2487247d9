package dev.keel.runtime;

/**
 * What an attempt at a partition is doing, named as failure messages and timeouts show it ("...:
 * publishing failed: ..."). A step knows whether it talks to the sink: a connection failure there
 * counts against the sink's circuit breaker, one anywhere else (the source, the metadata database)
 * does not.
 */
public enum Step {
  STARTING("starting", false),
  FENCING("fencing the partition at the sink", true),
  STARTING_STAGE("starting to stage into the sink", true),
  READING_CHECKPOINT("reading the checkpoint", true),
  OPENING_SOURCE("opening the source", false),
  READING_SOURCE("reading the source", false),
  STAGING("staging rows", true),
  PUBLISHING_CHUNK("publishing a chunk", true),
  RECORDING_CHECKPOINT("recording the checkpoint", false),
  VALIDATING("validating", false),
  CHECKING_EMPTY_SOURCE("checking an empty source", false),
  PUBLISHING("publishing", true),
  PUBLISHED("published", false),
  RECORDING_SUCCESS("recording the success in the metadata database", false);

  private final String text;
  private final boolean sinkSide;

  Step(String text, boolean sinkSide) {
    this.text = text;
    this.sinkSide = sinkSide;
  }

  /**
   * Whether the step talks to the sink's database (its connection failures count against the sink).
   */
  public boolean sinkSide() {
    return sinkSide;
  }

  /**
   * Whether a publish is under way or done: an attempt timeout then does not interrupt the worker
   * (the publish's own socket timeout bounds it, and a publish that completes is a success).
   */
  public boolean publishing() {
    return this == PUBLISHING_CHUNK || this == PUBLISHING || this == PUBLISHED;
  }

  /** The step as people read it, e.g. "reading the source". */
  @Override
  public String toString() {
    return text;
  }
}
