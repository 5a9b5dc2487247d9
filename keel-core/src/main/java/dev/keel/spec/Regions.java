package dev.keel.spec;

import java.util.regex.Pattern;

/**
 * Region names, as {@code keel node --region} and a pipeline's {@code regions:} write them: lower
 * case letters, digits and dashes, 1 to 32 of them ({@code eu-west-1}, {@code a}).
 */
public final class Regions {
  public static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,32}");

  private Regions() {}

  /** Why {@code name} is not a region name, or null when it is one. */
  public static String problem(String name) {
    if (name != null && NAME.matcher(name).matches()) {
      return null;
    }
    return "region '"
        + (name == null ? "" : name)
        + "' must be 1 to 32 lower-case letters, digits or dashes ([a-z0-9-]{1,32}), such as eu-west-1";
  }
}
