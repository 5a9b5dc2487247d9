package dev.keel.spec;

/** One problem found in a pipeline file, with the 1-based line and column it starts at. */
public record SpecProblem(String file, int line, int column, String message) {
  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
