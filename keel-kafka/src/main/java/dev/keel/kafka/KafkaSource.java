package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.UnreachableException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic partition from a position up to the end offset seen when it was opened: a bounded
 * micro-batch. Positions are offsets: a record's is its offset, and {@link #position()} is the next
 * offset to read (what the sink stores). Only committed messages are read (read_committed), so the
 * end is the last stable offset. A message that is not a record (not UTF-8, not JSON, of the wrong
 * shape, a tombstone) is a rejected record named {@code topic/partition/offset}.
 */
final class KafkaSource implements RecordSource {
  private static final Logger log = LoggerFactory.getLogger(KafkaSource.class);
  private static final Duration POLL = Duration.ofMillis(500);

  /** A dead letter keeps at most this much of a message's text. */
  static final int MAX_RAW_CHARS = 64 * 1024;

  /**
   * With no message arriving although the end is not reached (a broker that went away), the read
   * fails as transient after this long.
   */
  static final Duration STALL = Duration.ofSeconds(30);

  private final KafkaSourceSpec spec;
  private final TopicPartition partition;
  private final MessageFormat format;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final long end;
  private long next;
  private Iterator<ConsumerRecord<byte[], byte[]>> batch = java.util.Collections.emptyIterator();

  KafkaSource(KafkaSourceSpec spec, MessageFormat format, int partition, String resume) {
    this.spec = spec;
    this.format = format;
    this.partition = new TopicPartition(spec.topic(), partition);
    this.consumer =
        new KafkaConsumer<>(KafkaClients.consumer(spec, "keel-" + spec.topic() + "-" + partition));
    try {
      KafkaTopics.checkPartition(consumer, spec, partition);
      consumer.assign(List.of(this.partition));
      long first = consumer.beginningOffsets(List.of(this.partition)).get(this.partition);
      this.end = consumer.endOffsets(List.of(this.partition)).get(this.partition);
      long start = resume == null ? first : parse(resume);
      if (start > end) {
        throw new KeelException(
            describe()
                + ": the stored position "
                + start
                + " is past the partition's end "
                + end
                + "; was the topic deleted and created again? Delete the partition's row in"
                + " keel_sink.source_position to read it from the start");
      }
      if (start < first) {
        log.warn(
            "{}: offsets {} to {} were deleted by the topic's retention before keel read them;"
                + " reading from {}",
            describe(),
            start,
            first - 1,
            first);
        start = first;
      }
      this.next = start;
      consumer.seek(this.partition, start);
      log.debug("{}: reading offsets {} to {}", describe(), start, end - 1);
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw translate(e, "opening");
    }
  }

  private long parse(String resume) {
    try {
      return Long.parseLong(resume);
    } catch (NumberFormatException e) {
      throw new KeelException(
          describe() + ": stored position '" + resume + "' is not a Kafka offset");
    }
  }

  @Override
  public SourceRecord next() {
    long waitingSince = System.nanoTime();
    while (next < end) {
      if (batch.hasNext()) {
        ConsumerRecord<byte[], byte[]> r = batch.next();
        if (r.offset() < next) {
          continue;
        }
        if (r.offset() >= end) {
          next = end;
          break;
        }
        next = r.offset() + 1;
        return convert(spec.topic(), format, r);
      }
      try {
        var records = consumer.poll(POLL);
        batch = records.records(partition).iterator();
        if (records.isEmpty()) {
          // Aborted transactions and control markers leave gaps the consumer skips silently.
          next = Math.min(end, Math.max(next, consumer.position(partition)));
          if (System.nanoTime() - waitingSince > STALL.toNanos()) {
            throw new UnreachableException(
                describe()
                    + ": no message for "
                    + STALL.toSeconds()
                    + " s at offset "
                    + next
                    + " before the end "
                    + end
                    + "; is the broker up?",
                null);
          }
        } else {
          waitingSince = System.nanoTime();
        }
      } catch (KafkaException e) {
        throw translate(e, "reading");
      }
    }
    return null;
  }

  /**
   * A message as a record of the declared columns, or rejected as {@code topic/partition/offset}.
   */
  static SourceRecord convert(
      String topic, MessageFormat format, ConsumerRecord<byte[], byte[]> r) {
    String where = topic + "/" + r.partition() + "/" + r.offset();
    if (r.value() == null) {
      return SourceRecord.rejected(
          r.offset(), "", where + ": an empty message (a tombstone, value null)");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(r.value())).toString();
    } catch (CharacterCodingException e) {
      return SourceRecord.rejected(
          r.offset(),
          new String(
              r.value(), 0, Math.min(r.value().length, MAX_RAW_CHARS), StandardCharsets.UTF_8),
          where + ": not valid UTF-8");
    }
    try {
      return SourceRecord.row(r.offset(), format.values(text));
    } catch (MessageFormat.Refused e) {
      return SourceRecord.rejected(
          r.offset(),
          text.length() > MAX_RAW_CHARS ? text.substring(0, MAX_RAW_CHARS) : text,
          where + ": " + e.getMessage());
    }
  }

  /** The next offset to read: where a later run of this partition starts. */
  @Override
  public String position() {
    return Long.toString(next);
  }

  /** Messages that arrived behind this batch's end: the partition's end offset now minus ours. */
  @Override
  public long lag() {
    try {
      long now =
          consumer
              .endOffsets(List.of(partition), Duration.ofMillis(KafkaClients.API_TIMEOUT_MS))
              .get(partition);
      return Math.max(0, now - next);
    } catch (KafkaException e) {
      log.debug("{}: could not read the end offset for the lag: {}", describe(), e.getMessage());
      return -1;
    }
  }

  @Override
  public void cancel() {
    consumer.wakeup();
  }

  @Override
  public String describe() {
    return "kafka topic " + spec.topic() + " partition " + partition.partition();
  }

  private KeelException translate(RuntimeException e, String doing) {
    return translate(describe(), e, doing);
  }

  /** A client failure while {@code doing}: transient when the brokers did not answer. */
  static KeelException translate(String describe, RuntimeException e, String doing) {
    if (e instanceof KeelException k) {
      return k;
    }
    if (e instanceof WakeupException) {
      return new KeelException(describe + ": " + doing + " was cancelled", e);
    }
    if (e instanceof RetriableException
        || e instanceof org.apache.kafka.common.errors.TimeoutException) {
      return new UnreachableException(
          describe + ": " + doing + " failed, the brokers did not answer: " + e.getMessage(), e);
    }
    return new KeelException(describe + ": " + doing + " failed: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
