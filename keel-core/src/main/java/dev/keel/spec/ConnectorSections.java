package dev.keel.spec;

import dev.keel.connector.BufferProvider;
import dev.keel.connector.Connectors;
import dev.keel.connector.PipelineContext;
import dev.keel.connector.SinkProvider;
import dev.keel.connector.SourceProvider;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads {@code source:} and {@code sink:}: each holds exactly one key, a connector kind, whose
 * section the provider of that kind reads. An unknown kind is reported with its line and the kinds
 * that are installed.
 */
final class ConnectorSections {
  private final YamlTree yaml;
  private final SecretResolver secrets;
  private final Connectors connectors;

  ConnectorSections(YamlTree yaml, SecretResolver secrets, Connectors connectors) {
    this.yaml = yaml;
    this.secrets = secrets;
    this.connectors = connectors;
  }

  SourceSpec source(Node n, PipelineContext pipeline) {
    Map<String, SourceProvider> kinds = connectors.sources();
    return read(
        n,
        "source",
        kinds.keySet(),
        "source needs exactly one of " + or(kinds.keySet()),
        (kind, section) -> kinds.get(kind).parse(section, pipeline));
  }

  SinkSpec sink(Node n, PipelineContext pipeline) {
    Map<String, SinkProvider> kinds = connectors.sinks();
    String example =
        kinds.containsKey("postgres")
            ? "'postgres: { table: ..., key: [...], mode: upsert|append|replace }'"
            : "one of " + or(kinds.keySet());
    return read(
        n,
        "sink",
        kinds.keySet(),
        "sink needs " + example,
        (kind, section) -> kinds.get(kind).parse(section, pipeline));
  }

  BufferSpec buffer(Node n, PipelineContext pipeline) {
    Map<String, BufferProvider> kinds = connectors.buffers();
    if (kinds.isEmpty()) {
      yaml.error(n, "buffer: needs the keel-kafka module, which is not installed");
      return null;
    }
    return read(
        n,
        "buffer",
        kinds.keySet(),
        "buffer needs exactly one of "
            + or(kinds.keySet())
            + ", e.g. 'kafka: { bootstrap, topic }'",
        (kind, section) -> kinds.get(kind).parse(section, pipeline));
  }

  private <T> T read(
      Node n,
      String what,
      Set<String> kinds,
      String needsOne,
      BiFunction<String, ConfigSection, T> parse) {
    if (n == null) {
      return null;
    }
    ConfigSection section = new ConfigSection(yaml, n, what, secrets);
    if (!section.isMapping()) {
      return null;
    }
    section.onlyKeys(kinds);
    var known = section.keys().stream().filter(kinds::contains).toList();
    if (known.size() != 1) {
      if (known.size() > 1 || section.keys().isEmpty()) {
        section.error(needsOne);
      }
      return null; // an unknown kind (cvs:) has been reported with a suggestion
    }
    String kind = known.get(0);
    ConfigSection own = section.section(kind);
    return own.isMapping() ? parse.apply(kind, own) : null;
  }

  private static String or(Set<String> kinds) {
    var list = kinds.stream().sorted().toList();
    if (list.size() <= 1) {
      return String.join("", list);
    }
    return String.join(", ", list.subList(0, list.size() - 1)) + " or " + list.get(list.size() - 1);
  }
}
