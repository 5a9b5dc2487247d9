package dev.keel.spec;

import dev.keel.KeelException;
import java.util.List;
import java.util.stream.Collectors;

/** A pipeline file with one or more problems; the message lists every one of them. */
public class SpecException extends KeelException {
  private final List<SpecProblem> problems;

  public SpecException(List<SpecProblem> problems) {
    super(problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<SpecProblem> problems() {
    return problems;
  }
}
