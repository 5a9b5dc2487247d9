package dev.keel.spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${env:NAME}} and {@code ${file:/path}} references. The resolved value is wrapped
 * in a {@link Secret}, whose text form is the reference as written, so it never reaches a log, an
 * error message or the metadata database. Every value it resolves is also registered with {@link
 * Redactor}, which masks it out of any text that does reach one (a driver echoing a URL parameter).
 */
public final class SecretResolver {
  private static final Pattern REF = Pattern.compile("\\$\\{(env|file):([^}]*)}");
  private final Function<String, String> env;

  public SecretResolver(Function<String, String> env) {
    this.env = env;
  }

  public static SecretResolver system() {
    return new SecretResolver(System::getenv);
  }

  /**
   * Resolves every reference in {@code text}; throws IllegalArgumentException saying which is
   * missing.
   */
  public Secret resolve(String text) {
    Matcher m = REF.matcher(text);
    StringBuilder out = new StringBuilder();
    boolean any = false;
    while (m.find()) {
      any = true;
      String value = m.group(1).equals("env") ? fromEnv(m.group(2)) : fromFile(m.group(2));
      Redactor.register(value);
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    if (withoutReferences(text).contains("${")) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' has a reference keel does not understand; write ${env:NAME}"
              + " or ${file:/path}");
    }
    return new Secret(out.toString(), any ? text : null);
  }

  /** The text as written with every reference taken out: what is literally in the file. */
  static String withoutReferences(String text) {
    return REF.matcher(text).replaceAll("");
  }

  private String fromEnv(String name) {
    String v = env.apply(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "environment variable " + name + " is not set (referenced as ${env:" + name + "})");
    }
    return v;
  }

  private static String fromFile(String path) {
    try {
      return new String(SmallFiles.read(Path.of(path)), StandardCharsets.UTF_8).strip();
    } catch (SmallFiles.Unreadable e) {
      throw new IllegalArgumentException("secret file " + path + " " + e.getMessage());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "secret file "
              + path
              + " cannot be read ("
              + e.getClass().getSimpleName()
              + "); check that it exists and is readable by keel");
    }
  }
}
