package dev.keel.cli;

/** keel's exit codes, the same for every command. */
public final class ExitCodes {
  public static final int OK = 0;

  /** A partition (or the command's work) failed. */
  public static final int FAILED = 1;

  /** Bad input: a pipeline file, an argument, a query. Nothing was changed. */
  public static final int BAD_INPUT = 2;

  private ExitCodes() {}
}
