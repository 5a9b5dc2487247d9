package dev.keel.store;

/** A task as {@code keel run}'s summary and {@code keel status} show it. */
public record TaskRow(
    long id,
    long runId,
    String partition,
    String state,
    int attempt,
    int maxAttempts,
    String owner,
    long read,
    long filtered,
    long rejected,
    long published,
    String error,
    long millis) {}
