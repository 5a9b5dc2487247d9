package dev.keel.runtime;

/** Lets the owner of a task stop its work, e.g. when the lease is lost or the node drains. */
@FunctionalInterface
public interface TaskControl {
  TaskControl NONE = () -> null;

  /**
   * Null to go on, or why the work must stop now (checked between records and before publishing).
   */
  String stopReason();
}
