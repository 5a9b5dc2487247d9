package dev.keel.store;

/** A task this node holds: one partition of one run, with the fencing token of this claim. */
public record ClaimedTask(
    long id,
    long runId,
    String pipeline,
    long versionId,
    String partition,
    int attempt,
    int maxAttempts,
    long fence) {}
