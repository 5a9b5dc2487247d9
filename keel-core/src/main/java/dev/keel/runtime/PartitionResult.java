package dev.keel.runtime;

import java.time.Duration;

/** What one attempt at a partition did. read = filtered + rejected + published. */
public record PartitionResult(long read, long filtered, long rejected, long published, Duration took, boolean alreadyPublished) {}
