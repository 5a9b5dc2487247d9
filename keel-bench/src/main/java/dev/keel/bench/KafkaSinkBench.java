package dev.keel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka sink half of bench/kafka: CSV files (one per partition) → a Kafka topic, with keel
 * ({@code sink: { kafka }}, one transaction per partition, the fence and load-id checks) against a
 * raw transactional producer per partition that parses the same files, writes the same JSON
 * messages keyed by id and commits once; both with as many threads as partitions.
 */
final class KafkaSinkBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KafkaSinkBench() {}

  /** Writes {@code records} rows split over {@code partitions} files {@code sink-P.csv}. */
  static void writeFiles(Path dir, int records, int partitions) throws Exception {
    for (int p = 0; p < partitions; p++) {
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("sink-p" + p + ".csv"))) {
        w.write("id,customer,amount\n");
        for (int i = p; i < records; i += partitions) {
          w.write(i + ",customer-" + (i % 997) + "," + (i % 10_000) + "." + (i % 100) + "\n");
        }
      }
    }
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  /** One transactional producer per file, in parallel; returns seconds. */
  static double raw(Path dir, String bootstrap, String topic, int partitions) throws Exception {
    createTopic(bootstrap, topic, partitions);
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(partitions);
    try {
      List<Future<Long>> sent = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        int part = p;
        sent.add(pool.submit(() -> produceFile(dir, bootstrap, topic, part)));
      }
      for (Future<Long> f : sent) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static long produceFile(Path dir, String bootstrap, String topic, int part)
      throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "raw-" + topic + "-" + part);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    long n = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        BufferedReader in = Files.newBufferedReader(dir.resolve("sink-p" + part + ".csv"))) {
      producer.initTransactions();
      producer.beginTransaction();
      in.readLine();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] f = line.split(",", -1);
        long id = Long.parseLong(f[0]);
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        v.put("id", id);
        v.put("customer", f[1]);
        v.put("amount", new BigDecimal(f[2]));
        producer.send(new ProducerRecord<>(topic, Long.toString(id), JSON.writeValueAsString(v)));
        n++;
      }
      producer.commitTransaction();
    }
    return n;
  }

  /** keel run of a CSV → kafka sink pipeline with one worker per partition; returns seconds. */
  static double keel(Path dir, String bootstrap, String db, String topic, int partitions)
      throws Exception {
    createTopic(bootstrap, topic, partitions);
    List<String> names = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      names.add("p" + p);
    }
    Path file = dir.resolve(topic + ".yaml");
    Files.writeString(
        file,
        """
        name: %s
        partitions: { values: [%s] }
        source: { csv: { path: "sink-${partition}.csv" } }
        columns: { id: bigint, customer: text, amount: "numeric(12,2)" }
        sink: { kafka: { bootstrap: "%s", topic: %s, key: [id] } }
        """
            .formatted(topic, String.join(", ", names), bootstrap, topic));
    double took =
        KeelRun.seconds(
            file.getFileName().toString(), file, db, "--workers", Integer.toString(partitions));
    return took;
  }
}
