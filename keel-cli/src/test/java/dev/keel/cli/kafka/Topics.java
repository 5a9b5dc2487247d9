package dev.keel.cli.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topics and messages on a test broker, through the real clients. */
final class Topics {
  private final String bootstrap;

  Topics(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  void create(String topic, int partitions) throws ExecutionException, InterruptedException {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  /** Deletes the partition's messages before {@code offset}, as the topic's retention would. */
  void deleteBefore(String topic, int partition, long offset)
      throws ExecutionException, InterruptedException {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .deleteRecords(
              Map.of(
                  new org.apache.kafka.common.TopicPartition(topic, partition),
                  org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(offset)))
          .all()
          .get();
    }
  }

  /**
   * Sends each value to {@code partition} (null value: a tombstone), acknowledged by the broker.
   */
  void send(String topic, int partition, List<String> values) {
    try (KafkaProducer<String, String> p = producer()) {
      for (String v : values) {
        p.send(new ProducerRecord<>(topic, partition, null, v));
      }
      p.flush();
    }
  }

  /** Every committed message of the topic now (read_committed), as key=value lines. */
  List<String> readCommitted(String topic) {
    Properties props = new Properties();
    props.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(
        org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(
        org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    props.put(
        org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    List<String> out = new java.util.ArrayList<>();
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(props)) {
      var partitions =
          consumer.partitionsFor(topic).stream()
              .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var r : consumer.poll(java.time.Duration.ofMillis(500))) {
          out.add(r.key() + "=" + r.value());
        }
      }
    }
    return out;
  }

  private KafkaProducer<String, String> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  /** {"id":from,…} … {"id":to-1,…}. */
  static List<String> orders(int from, int to) {
    return java.util.stream.IntStream.range(from, to)
        .mapToObj(i -> "{\"id\": " + i + ", \"customer\": \"c" + i + "\", \"amount\": " + i + ".5}")
        .toList();
  }
}
