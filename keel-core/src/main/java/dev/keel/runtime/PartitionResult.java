package dev.keel.runtime;

import java.time.Duration;

/**
 * What one attempt at a partition did, totals including what earlier attempts published in chunks
 * ({@code resumedRead} of the {@code read} records were read before this attempt, which did not
 * read them again). read = filtered + rejected + published.
 */
public record PartitionResult(
    long read,
    long filtered,
    long rejected,
    long published,
    Duration took,
    boolean alreadyPublished,
    long resumedRead) {}
