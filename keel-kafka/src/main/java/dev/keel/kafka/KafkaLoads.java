package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.runtime.UnreachableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Which load of a pipeline partition the sink topic holds. Each transaction of the Kafka sink also
 * commits, with {@code sendOffsetsToTransaction}, an offset of a consumer group named like the
 * transactional id ({@code keel-PIPELINE-PARTITION}) on the topic's partition 0: its metadata is
 * the load id ({@code run-R/P}), its offset the number of records. That offset becomes visible
 * exactly when the records do, being part of the transaction (Kafka Streams and Kafka Connect's
 * exactly-once sources commit their progress the same way). A retry whose earlier attempt committed
 * but was never recorded as the task's success finds its load id there and publishes nothing again;
 * no scan of the topic, whatever else is written to it.
 *
 * <p>The group has no members and is only written inside transactions; on a secured cluster the
 * sink's principal needs Read on that group. Kafka drops an empty group's offsets after {@code
 * offsets.retention.minutes} (7 days by default), far longer than a task's retries.
 */
final class KafkaLoads implements AutoCloseable {
  private final KafkaSinkSpec spec;
  private final TopicPartition marker;
  private Admin admin;

  KafkaLoads(KafkaSinkSpec spec) {
    this.spec = spec;
    this.marker = new TopicPartition(spec.topic(), 0);
  }

  /**
   * The records the load {@code loadId} of {@code group} committed, or null when it is not in the
   * topic. Asks for stable offsets only: a transaction still completing is waited for. Call it
   * after {@code initTransactions}, which settles an older attempt's transaction.
   */
  Long published(String group, String loadId) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin()
              .listConsumerGroupOffsets(
                  Map.of(
                      group, new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(marker))),
                  new ListConsumerGroupOffsetsOptions().requireStable(true))
              .partitionsToOffsetAndMetadata(group)
              .get(KafkaClients.API_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      OffsetAndMetadata last = offsets == null ? null : offsets.get(marker);
      return last != null && loadId.equals(last.metadata()) ? last.offset() : null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return null;
      }
      throw new KeelException(
          spec.target()
              + ": looking for load "
              + loadId
              + " in consumer group "
              + group
              + " failed: "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new UnreachableException(
          spec.target()
              + ": looking for load "
              + loadId
              + " timed out; is the broker "
              + spec.bootstrapShown()
              + " up?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeelException("interrupted while looking for load " + loadId, e);
    }
  }

  /** Records {@code loadId} and its count in {@code producer}'s open transaction. */
  void record(Producer<?, ?> producer, String group, String loadId, long records) {
    producer.sendOffsetsToTransaction(
        Map.of(marker, new OffsetAndMetadata(records, loadId)), new ConsumerGroupMetadata(group));
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(KafkaClients.common(spec.bootstrap(), spec.properties()));
    }
    return admin;
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(java.time.Duration.ofSeconds(5));
      admin = null;
    }
  }
}
