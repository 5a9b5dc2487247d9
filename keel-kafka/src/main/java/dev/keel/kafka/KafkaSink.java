package dev.keel.kafka;

import dev.keel.KeelException;
import dev.keel.runtime.Sink;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.PipelineSpec;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Kafka topic as a sink. The keel fence of a partition is its task's claim in the metadata
 * database ({@code keel.task.fence}), checked before each commit; Kafka fences the producer of an
 * older claim as soon as a newer one initialises its transactions under the same id.
 */
final class KafkaSink implements Sink {
  private final PipelineSpec pipeline;
  private final KafkaSinkSpec spec;
  private final DataSource metadata;
  private final KafkaLoads loads;

  KafkaSink(PipelineSpec pipeline, KafkaSinkSpec spec, DataSource metadata) {
    this.pipeline = pipeline;
    this.spec = spec;
    this.metadata = metadata;
    this.loads = new KafkaLoads(spec);
  }

  /** The topic must exist: keel does not create topics (partitions and retention are yours). */
  @Override
  public void prepare() {
    Properties p = KafkaClients.common(spec.bootstrap(), spec.properties());
    try (Admin admin = Admin.create(p)) {
      admin
          .describeTopics(List.of(spec.topic()))
          .allTopicNames()
          .get(KafkaClients.API_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new KeelException(
            "kafka topic "
                + spec.topic()
                + " does not exist on "
                + spec.bootstrapShown()
                + "; create it or fix sink.kafka.topic");
      }
      throw new KeelException("kafka sink " + spec.topic() + ": " + e.getCause().getMessage(), e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new dev.keel.runtime.UnreachableException(
          "kafka bootstrap " + spec.bootstrapShown() + " did not answer; is the broker up?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeelException("interrupted while checking kafka topic " + spec.topic(), e);
    }
  }

  /** Nothing to write: the fence is the task's claim, which the metadata database holds. */
  @Override
  public void fence(String partition, long fence) {}

  @Override
  public SinkSession begin(TaskRef task) {
    return new KafkaSinkSession(pipeline, spec, producerProperties(task), metadata, task, loads);
  }

  /** One transactional id per pipeline partition: a newer attempt's producer fences older ones. */
  private Properties producerProperties(TaskRef task) {
    Properties p = KafkaClients.common(spec.bootstrap(), spec.properties());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(task));
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofMinutes(15).toMillis());
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId(task));
    return p;
  }

  static String transactionalId(TaskRef task) {
    return "keel-" + task.pipeline() + "-" + task.partition();
  }

  @Override
  public void close() {
    loads.close();
  }
}
