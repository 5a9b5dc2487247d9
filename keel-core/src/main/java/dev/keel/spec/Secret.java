package dev.keel.spec;

import java.util.Objects;

/**
 * A configuration value that may carry a secret resolved from {@code ${env:NAME}} or {@code
 * ${file:/path}}. {@link #toString()} never shows the value; only {@link #reveal()} does, and only
 * code that hands it to a driver calls that.
 */
public final class Secret {
  private final String value;
  private final String reference;

  public Secret(String value, String reference) {
    this.value = Objects.requireNonNull(value);
    this.reference = reference;
  }

  public static Secret plain(String value) {
    return new Secret(value, null);
  }

  public String reveal() {
    return value;
  }

  /** The text as written in the pipeline file, with references unresolved (safe to show). */
  public String reference() {
    return reference == null ? "***" : reference;
  }

  @Override
  public String toString() {
    return reference();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
