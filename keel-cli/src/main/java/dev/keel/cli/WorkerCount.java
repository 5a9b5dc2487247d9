package dev.keel.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --workers N}: at least 1 (with 0 nothing would ever run), at most {@link #MAX}. */
public final class WorkerCount implements ITypeConverter<Integer> {
  static final int MAX = 1024;

  @Override
  public Integer convert(String value) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a whole number");
    }
    if (n < 1 || n > MAX) {
      throw new TypeConversionException("must be between 1 and " + MAX + ", not " + n);
    }
    return n;
  }
}
