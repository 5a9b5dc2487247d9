package dev.keel.runtime;

/** The identity of one attempt at one partition, as the runtime and sinks see it. */
public record TaskRef(
    long taskId, long runId, String pipeline, String partition, int attempt, long fence) {
  /** The load id recorded in the publish transaction: one publish per run and partition. */
  public String loadId() {
    return "run-" + runId + "/" + partition;
  }

  @Override
  public String toString() {
    return pipeline
        + "/"
        + partition
        + " (run "
        + runId
        + ", task "
        + taskId
        + ", attempt "
        + attempt
        + ")";
  }
}
