package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.connector.BufferProvider.Backlog;
import dev.keel.runtime.UnreachableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What waits in a buffer topic: per partition the committed messages after the position the load
 * stage's sink stored (end offset minus position: transaction markers count too, at most one per
 * extract task), and the timestamp of the first of them (read with a read_committed consumer, so an
 * aborted extract's messages are never the oldest). Bounded: one small fetch per partition.
 */
final class KafkaBacklog {
  /** How long the first unloaded message of each partition is waited for. */
  static final Duration FIRST_MESSAGE_WAIT = Duration.ofSeconds(5);

  private final KafkaSourceSpec spec;

  KafkaBacklog(KafkaSourceSpec spec) {
    this.spec = spec;
  }

  List<Backlog> measure(Map<String, String> positions) {
    Properties p = KafkaClients.consumer(spec, "keel-" + spec.topic() + "-backlog");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024 * 1024);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> all = new ArrayList<>();
      for (PartitionInfo info :
          consumer.partitionsFor(spec.topic(), Duration.ofMillis(KafkaClients.API_TIMEOUT_MS))) {
        all.add(new TopicPartition(spec.topic(), info.partition()));
      }
      if (all.isEmpty()) {
        throw new KeelException("kafka topic " + spec.topic() + " does not exist");
      }
      Map<TopicPartition, Long> first = consumer.beginningOffsets(all);
      Map<TopicPartition, Long> end = consumer.endOffsets(all);
      Map<TopicPartition, Long> from = new HashMap<>();
      for (TopicPartition tp : all) {
        String stored = positions.get(Integer.toString(tp.partition()));
        long pos = stored == null ? first.get(tp) : Math.max(first.get(tp), parse(stored));
        if (pos < end.get(tp)) {
          from.put(tp, pos);
        }
      }
      Map<TopicPartition, Instant> oldest = oldest(consumer, from, end);
      List<Backlog> out = new ArrayList<>();
      for (TopicPartition tp : all) {
        Long pos = from.get(tp);
        long records = pos == null ? 0 : end.get(tp) - pos;
        Instant at = oldest.get(tp);
        if (pos != null && at == null) {
          // Only markers or aborted messages lie between the position and the end.
          records = 0;
        }
        out.add(
            new Backlog(
                Integer.toString(tp.partition()),
                pos == null ? Long.toString(end.get(tp)) : Long.toString(pos),
                records,
                at));
      }
      return out;
    } catch (KafkaException e) {
      throw new UnreachableException(
          "kafka topic "
              + spec.topic()
              + " on "
              + spec.bootstrapShown()
              + ": measuring the backlog failed: "
              + e.getMessage(),
          e);
    }
  }

  /** The timestamp of the first committed message at or after each position, before the end. */
  private static Map<TopicPartition, Instant> oldest(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> from,
      Map<TopicPartition, Long> end) {
    Map<TopicPartition, Instant> found = new HashMap<>();
    if (from.isEmpty()) {
      return found;
    }
    consumer.assign(from.keySet());
    from.forEach(consumer::seek);
    long deadline = System.nanoTime() + FIRST_MESSAGE_WAIT.toNanos();
    while (found.size() < from.size() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.offset() < end.get(tp) && !found.containsKey(tp)) {
          found.put(tp, Instant.ofEpochMilli(r.timestamp()));
        }
      }
      List<TopicPartition> settled = new ArrayList<>();
      for (TopicPartition tp : consumer.assignment()) {
        if (found.containsKey(tp) || consumer.position(tp) >= end.get(tp)) {
          settled.add(tp);
        }
      }
      if (settled.size() == from.size()) {
        break;
      }
      List<TopicPartition> open = new ArrayList<>(from.keySet());
      open.removeAll(settled);
      consumer.pause(settled);
      consumer.resume(open);
    }
    return found;
  }

  private long parse(String stored) {
    try {
      return Long.parseLong(stored);
    } catch (NumberFormatException e) {
      throw new KeelException(
          "kafka topic " + spec.topic() + ": stored position '" + stored + "' is not an offset");
    }
  }
}
