package dev.keel.kafka;

import dev.keel.connector.PipelineContext;
import dev.keel.connector.SourceProvider;
import dev.keel.record.RecordSource;
import dev.keel.spec.Column;
import dev.keel.spec.ConfigSection;
import dev.keel.spec.PartitionRef;
import dev.keel.spec.Partitions;
import dev.keel.spec.Secret;
import dev.keel.spec.SourceSpec;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code source: { kafka: { bootstrap, topic, format: json|csv, properties: {…}, timezone } }}. The
 * pipeline's partitions are the topic's ("0", "1", …) unless {@code partitions: values:} names some
 * of them; each run reads a partition from the position its last publish stored up to the end seen
 * when the task starts.
 */
public final class KafkaSourceProvider implements SourceProvider {
  private static final Pattern PARTITION = Pattern.compile("0|[1-9][0-9]{0,8}");

  /** Kafka's own rule for topic names. */
  @Override
  public String kind() {
    return KafkaSourceSpec.KIND;
  }

  @Override
  public SourceSpec parse(ConfigSection s, PipelineContext pipeline) {
    s.onlyKeys(Set.of("bootstrap", "topic", "format", "properties", "timezone"));
    Secret bootstrap = KafkaEndpoint.bootstrap(s);
    String topic = KafkaEndpoint.topic(s);
    KafkaSourceSpec.Format format = format(s);
    Map<String, Secret> properties =
        KafkaProperties.read(
            s,
            KafkaProperties.CONSUMER,
            "positions are stored by the sink, messages read committed only");
    checkPartitions(s, pipeline.partitions());
    return new KafkaSourceSpec(
        bootstrap, topic, format, properties, s.zone("timezone", ZoneOffset.UTC));
  }

  private static KafkaSourceSpec.Format format(ConfigSection s) {
    String f = s.string("format");
    if (f == null) {
      return KafkaSourceSpec.Format.JSON;
    }
    return switch (f) {
      case "json" -> KafkaSourceSpec.Format.JSON;
      case "csv" -> KafkaSourceSpec.Format.CSV;
      default -> {
        s.error("format", s.where() + ".format must be json or csv, not '" + f + "'");
        yield KafkaSourceSpec.Format.JSON;
      }
    };
  }

  private static void checkPartitions(ConfigSection s, Partitions partitions) {
    if (partitions == null || partitions.equals(Partitions.SINGLE)) {
      return;
    }
    if (partitions.isDates()) {
      s.error(
          "a kafka source's partitions are the topic's partitions: leave partitions: out, or"
              + " name some as values: [\"0\", \"1\"], not dates");
      return;
    }
    for (String p : partitions.values()) {
      if (!PARTITION.matcher(p).matches()) {
        s.error(
            "partition '"
                + p
                + "' is not a topic partition number; a kafka source's partitions are the"
                + " topic's: \"0\", \"1\", …");
        return;
      }
    }
  }

  @Override
  public List<String> partitions(SourceSpec spec) {
    return KafkaTopics.partitionNames((KafkaSourceSpec) spec);
  }

  /** Seeks to each run of consecutive offsets instead of reading the partition from its start. */
  @Override
  public RecordSource openPositions(
      SourceSpec spec,
      List<Column> columns,
      PartitionRef partition,
      Path baseDir,
      String resume,
      long[] positions) {
    KafkaSourceSpec kafka = (KafkaSourceSpec) spec;
    return new KafkaOffsets(
        kafka,
        MessageFormat.of(kafka.format(), columns, kafka.timezone()),
        partitionNumber(kafka, partition.name()),
        positions,
        resume);
  }

  private static int partitionNumber(KafkaSourceSpec kafka, String partition) {
    if (!PARTITION.matcher(partition).matches()) {
      throw new dev.keel.KeelException(
          "kafka topic " + kafka.topic() + ": '" + partition + "' is not a partition number");
    }
    return Integer.parseInt(partition);
  }

  @Override
  public RecordSource open(
      SourceSpec spec, List<Column> columns, String partition, Path baseDir, String resume) {
    KafkaSourceSpec kafka = (KafkaSourceSpec) spec;
    return new KafkaSource(
        kafka,
        MessageFormat.of(kafka.format(), columns, kafka.timezone()),
        partitionNumber(kafka, partition),
        resume);
  }
}
