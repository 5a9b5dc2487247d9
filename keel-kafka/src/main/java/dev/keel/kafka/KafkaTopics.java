package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.runtime.UnreachableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What a topic looks like on the brokers, with the messages a person needs when it is not there.
 */
final class KafkaTopics {
  private KafkaTopics() {}

  /** The topic's partitions as keel partition names, "0", "1", …. */
  static List<String> partitionNames(KafkaSourceSpec spec) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(KafkaClients.consumer(spec, "keel-" + spec.topic() + "-metadata"))) {
      int n = partitions(consumer, spec).size();
      List<String> names = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        names.add(Integer.toString(i));
      }
      return names;
    }
  }

  /**
   * Refuses a partition the topic does not have (fewer partitions than {@code partitions:} names).
   */
  static void checkPartition(KafkaConsumer<?, ?> consumer, KafkaSourceSpec spec, int partition) {
    int n = partitions(consumer, spec).size();
    if (partition >= n) {
      throw new KeelException(
          "kafka topic "
              + spec.topic()
              + " has "
              + n
              + " partitions (0 to "
              + (n - 1)
              + "), not partition "
              + partition
              + "; fix partitions: in the pipeline file, or leave it out to read all of them");
    }
  }

  private static List<PartitionInfo> partitions(
      KafkaConsumer<?, ?> consumer, KafkaSourceSpec spec) {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(spec.topic(), Duration.ofMillis(KafkaClients.API_TIMEOUT_MS));
    } catch (UnknownTopicOrPartitionException e) {
      infos = List.of();
    } catch (TimeoutException e) {
      throw unreachable(spec, e);
    } catch (RetriableException e) {
      throw unreachable(spec, e);
    } catch (KafkaException e) {
      throw new KeelException(
          "kafka topic " + spec.topic() + ": asking the brokers failed: " + e.getMessage(), e);
    }
    if (infos == null || infos.isEmpty()) {
      throw new KeelException(
          "kafka topic "
              + spec.topic()
              + " does not exist on "
              + spec.bootstrapShown()
              + "; create it (kafka-topics.sh --create --topic "
              + spec.topic()
              + ") or fix source.kafka.topic");
    }
    return infos;
  }

  private static UnreachableException unreachable(KafkaSourceSpec spec, Exception e) {
    return new UnreachableException(
        "kafka bootstrap "
            + spec.bootstrapShown()
            + " did not answer within "
            + KafkaClients.API_TIMEOUT_MS / 1000
            + " s (asking for topic "
            + spec.topic()
            + "); is the broker up and is source.kafka.bootstrap right?",
        e);
  }
}
