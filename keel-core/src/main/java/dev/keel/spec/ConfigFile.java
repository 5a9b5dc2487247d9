package dev.keel.spec;

import java.nio.file.Path;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A keel YAML file other than a pipeline (the alert file), read with the same safe reader as
 * pipelines: size cap, no type tags, alias cap, and every problem with its line and column.
 *
 * <pre>
 * ConfigFile file = ConfigFile.read(path, secrets);
 * ConfigSection alerts = file.root("alerts");
 * ... read alerts ...
 * file.check(); // throws SpecException with every problem found
 * </pre>
 */
public final class ConfigFile {
  private final YamlTree yaml;
  private final Node root;
  private final SecretResolver secrets;

  private ConfigFile(YamlTree yaml, Node root, SecretResolver secrets) {
    this.yaml = yaml;
    this.root = root;
    this.secrets = secrets;
  }

  /** Throws a SpecException when the file cannot be read or is not YAML. */
  public static ConfigFile read(Path file, SecretResolver secrets) {
    String text = SpecReader.readText(file);
    YamlTree yaml = new YamlTree(file.toString());
    Node root = yaml.compose(text);
    if (root == null) {
      throw new SpecException(yaml.problems());
    }
    return new ConfigFile(yaml, root, secrets);
  }

  /**
   * The file's single top-level key, {@code key}, as a section; any other top-level key is
   * reported.
   */
  public ConfigSection root(String key) {
    ConfigSection top = new ConfigSection(yaml, root, "", secrets);
    top.onlyKeys(java.util.Set.of(key));
    if (!top.has(key)) {
      top.error("the file needs a top-level '" + key + ":' mapping");
      check();
    }
    return top.section(key);
  }

  /** Throws a SpecException listing every problem reported so far, in file order. */
  public void check() {
    if (!yaml.problems().isEmpty()) {
      throw new SpecException(yaml.problems());
    }
  }
}
