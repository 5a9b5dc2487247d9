package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.record.RecordSource;
import dev.keel.record.SourceRecord;
import dev.keel.runtime.UnreachableException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The messages at given offsets of one topic partition, for a replay of dead letters: one seek per
 * run of consecutive offsets, so a replay reads the few messages it needs, not the partition. An
 * offset that cannot be read any more (deleted by the topic's retention, compacted away, past the
 * end of a topic created again) fails the replay with the offset named, before anything is read,
 * when it can be seen at the start, or when the read passes it.
 */
final class KafkaOffsets implements RecordSource {
  private static final Duration POLL = Duration.ofMillis(500);

  private final KafkaSourceSpec spec;
  private final TopicPartition partition;
  private final MessageFormat format;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final long[] offsets;

  /** Index in {@link #offsets} of the next message to return. */
  private int at;

  private boolean seekNeeded = true;
  private Iterator<ConsumerRecord<byte[], byte[]>> batch = Collections.emptyIterator();

  /**
   * @param offsets any order, repeats allowed; only those at or after {@code resume} are read
   */
  KafkaOffsets(
      KafkaSourceSpec spec, MessageFormat format, int partition, long[] offsets, String resume) {
    this.spec = spec;
    this.format = format;
    this.partition = new TopicPartition(spec.topic(), partition);
    long from = resume == null ? 0 : Long.parseLong(resume);
    this.offsets = Arrays.stream(offsets).filter(o -> o >= from).sorted().distinct().toArray();
    this.consumer =
        new KafkaConsumer<>(
            KafkaClients.consumer(spec, "keel-replay-" + spec.topic() + "-" + partition));
    try {
      KafkaTopics.checkPartition(consumer, spec, partition);
      consumer.assign(List.of(this.partition));
      long first = consumer.beginningOffsets(List.of(this.partition)).get(this.partition);
      long end = consumer.endOffsets(List.of(this.partition)).get(this.partition);
      long[] deleted = Arrays.stream(this.offsets).filter(o -> o < first).toArray();
      if (deleted.length > 0) {
        throw new KeelException(
            describe()
                + ": "
                + gone(deleted)
                + " deleted by the topic's retention (the partition starts at offset "
                + first
                + " now), so the dead letters cannot be replayed; nothing was published."
                + " Send those messages to the topic again instead");
      }
      long[] past = Arrays.stream(this.offsets).filter(o -> o >= end).toArray();
      if (past.length > 0) {
        throw new KeelException(
            describe()
                + ": "
                + gone(past)
                + " past the partition's end "
                + end
                + "; was the topic deleted and created again? Nothing was published");
      }
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw KafkaSource.translate(describe(), e, "opening");
    }
  }

  /** "the dead-lettered message at offset 3 was", or of several offsets "…were". */
  private static String gone(long[] offsets) {
    if (offsets.length == 1) {
      return "the dead-lettered message at offset " + offsets[0] + " was";
    }
    return "the dead-lettered messages at "
        + offsets.length
        + " offsets ("
        + offsets[0]
        + (offsets.length == 2 ? ", " : ", …, ")
        + offsets[offsets.length - 1]
        + ") were";
  }

  @Override
  public SourceRecord next() {
    long waitingSince = System.nanoTime();
    while (at < offsets.length) {
      long wanted = offsets[at];
      try {
        if (seekNeeded) {
          consumer.seek(partition, wanted);
          batch = Collections.emptyIterator();
          seekNeeded = false;
        }
        if (batch.hasNext()) {
          ConsumerRecord<byte[], byte[]> r = batch.next();
          if (r.offset() < wanted) {
            continue;
          }
          if (r.offset() > wanted) {
            throw missing(wanted);
          }
          at++;
          seekNeeded = at < offsets.length && offsets[at] != wanted + 1;
          return KafkaSource.convert(spec.topic(), format, r);
        }
        var records = consumer.poll(POLL);
        batch = records.records(partition).iterator();
        if (records.isEmpty()) {
          // A transaction marker or an aborted message at the offset: skipped by the consumer.
          if (consumer.position(partition) > wanted) {
            throw missing(wanted);
          }
          if (System.nanoTime() - waitingSince > KafkaSource.STALL.toNanos()) {
            throw new UnreachableException(
                describe()
                    + ": no message for "
                    + KafkaSource.STALL.toSeconds()
                    + " s at offset "
                    + wanted
                    + "; is the broker up?",
                null);
          }
        } else {
          waitingSince = System.nanoTime();
        }
      } catch (KafkaException e) {
        throw KafkaSource.translate(describe(), e, "reading offset " + wanted);
      }
    }
    return null;
  }

  private KeelException missing(long offset) {
    return new KeelException(
        describe()
            + ": the dead-lettered message at offset "
            + offset
            + " is not in the partition any more (compacted or deleted), so it cannot be replayed;"
            + " nothing was published. Send it to the topic again instead");
  }

  /** The offset after the last message returned (a chunked replay resumes there). */
  @Override
  public String position() {
    return at == 0 ? null : Long.toString(offsets[at - 1] + 1);
  }

  @Override
  public void cancel() {
    consumer.wakeup();
  }

  @Override
  public String describe() {
    return "kafka topic " + spec.topic() + " partition " + partition.partition();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
