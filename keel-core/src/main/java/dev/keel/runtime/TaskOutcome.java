package dev.keel.runtime;

/**
 * How one attempt at a task ended, as the executor reports it to its worker. {@link #text()} is the
 * word summaries and tests have always shown (for the first four, the task's new state in the
 * queue); what is stored in the database is mapped at the store, not here.
 */
public enum TaskOutcome {
  /** Published (or found already published) and recorded. */
  SUCCEEDED("succeeded"),
  /** Failed transiently: back in the queue, due after a backoff, one attempt spent. */
  RETRY("queued"),
  /** Failed for good: a permanent error, or no attempt left. */
  FAILED("failed"),
  /** Its sink is down: back in the queue to wait for it, no attempt spent. */
  WAITING("waiting"),
  /** Stopped by its owner (a drain, a lease run out by the node's clock) before publishing. */
  STOPPED("stopped"),
  /** Another claim took the task over meanwhile; this attempt's result is discarded. */
  LOST("lost");

  private final String text;

  TaskOutcome(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
