package dev.keel.store;

/** What a finished attempt did, for the task row and {@code keel status}. */
public record TaskCounts(long read, long filtered, long rejected, long published) {}
