package dev.keel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.store.EmbeddedPostgresServer;
import dev.keel.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * bench/kafka: Kafka → PostgreSQL with keel (a kafka source, append sink, exactly once) against a
 * raw consumer that parses each JSON message and COPYs the rows in one transaction, on the same
 * broker (a KRaft child process) and the same embedded PostgreSQL, alternating, best of each.
 */
public final class KafkaBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PARTITIONS = 4;

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String part = args.length > 2 ? args[2] : "both";
    Path work = Files.createTempDirectory("keel-kafka-bench-");
    try (KafkaBroker broker = KafkaBroker.start(work.resolve("broker"));
        EmbeddedPostgresServer pg =
            EmbeddedPostgresServer.start(work.resolve("pg"), Duration.ofSeconds(30))) {
      System.out.printf(
          "messages: %,d in %d partitions; %d cores; JVM %s%n",
          messages,
          PARTITIONS,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      if (!part.equals("sink")) {
        source(work, broker, pg, messages, rounds);
      }
      if (!part.equals("source")) {
        sink(work, broker, pg, messages, rounds);
      }
    }
  }

  /** Kafka source → PostgreSQL: keel against a raw consumer + COPY. */
  private static void source(
      Path work, KafkaBroker broker, EmbeddedPostgresServer pg, int messages, int rounds)
      throws Exception {
    produce(broker.bootstrap(), messages);
    double bestRaw = Double.MAX_VALUE;
    double bestKeel = Double.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      double raw = raw(broker.bootstrap(), pg.jdbcUrl(), "raw_" + r, messages);
      double keel = keel(work, broker.bootstrap(), pg.jdbcUrl(), "keel_" + r, messages);
      System.out.printf(
          "round %d: raw consumer + COPY %.2f s (%,.0f msg/s), keel %.2f s (%,.0f msg/s)%n",
          r + 1, raw, messages / raw, keel, messages / keel);
      bestRaw = Math.min(bestRaw, raw);
      bestKeel = Math.min(bestKeel, keel);
    }
    System.out.printf(
        "best: raw %.2f s, keel %.2f s: keel runs at %.0f %% of the raw consumer + COPY%n",
        bestRaw, bestKeel, 100 * bestRaw / bestKeel);
  }

  /** CSV → Kafka sink: keel against a raw transactional producer per partition. */
  private static void sink(
      Path work, KafkaBroker broker, EmbeddedPostgresServer pg, int messages, int rounds)
      throws Exception {
    KafkaSinkBench.writeFiles(work, messages, PARTITIONS);
    double bestRaw = Double.MAX_VALUE;
    double bestKeel = Double.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      double raw = KafkaSinkBench.raw(work, broker.bootstrap(), "rawsink_" + r, PARTITIONS);
      double keel =
          KafkaSinkBench.keel(work, broker.bootstrap(), pg.jdbcUrl(), "keelsink_" + r, PARTITIONS);
      System.out.printf(
          "sink round %d: raw transactional producer %.2f s (%,.0f msg/s), keel kafka sink %.2f s"
              + " (%,.0f msg/s)%n",
          r + 1, raw, messages / raw, keel, messages / keel);
      bestRaw = Math.min(bestRaw, raw);
      bestKeel = Math.min(bestKeel, keel);
    }
    System.out.printf(
        "sink best: raw %.2f s, keel %.2f s: keel's kafka sink runs at %.0f %% of the raw"
            + " transactional producer%n",
        bestRaw, bestKeel, 100 * bestRaw / bestKeel);
  }

  private static void produce(String bootstrap, int messages) throws Exception {
    long t0 = System.nanoTime();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic("bench", PARTITIONS, (short) 1))).all().get();
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < messages; i++) {
        producer.send(
            new ProducerRecord<>(
                "bench",
                i % PARTITIONS,
                null,
                "{\"id\": "
                    + i
                    + ", \"customer\": \"customer-"
                    + (i % 997)
                    + "\", \"amount\": "
                    + (i % 10_000)
                    + "."
                    + (i % 100)
                    + ", \"ts\": \"2026-11-29T10:00:00Z\"}"));
      }
    }
    System.out.printf("produced in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  /** Reads every partition to its end, parses each message, COPYs the rows; one transaction. */
  private static double raw(String bootstrap, String url, String table, int messages)
      throws Exception {
    long t0 = System.nanoTime();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long rows = 0;
    try (Connection c = DriverManager.getConnection(url);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE "
                + table
                + " (id bigint, customer text, amount numeric(12,2), ts timestamptz)");
      }
      List<TopicPartition> parts =
          java.util.stream.IntStream.range(0, PARTITIONS)
              .mapToObj(i -> new TopicPartition("bench", i))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      CopyIn copy =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn("COPY " + table + " FROM STDIN WITH (FORMAT csv)");
      StringBuilder buf = new StringBuilder(1 << 17);
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          JsonNode n = JSON.readTree(r.value());
          buf.append(n.get("id").asLong())
              .append(",\"")
              .append(n.get("customer").asText().replace("\"", "\"\""))
              .append("\",")
              .append(n.get("amount").decimalValue().toPlainString())
              .append(',')
              .append(n.get("ts").asText())
              .append('\n');
          rows++;
          if (buf.length() > 1 << 16) {
            byte[] b = buf.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(b, 0, b.length);
            buf.setLength(0);
          }
        }
      }
      byte[] b = buf.toString().getBytes(StandardCharsets.UTF_8);
      copy.writeToCopy(b, 0, b.length);
      copy.endCopy();
      c.commit();
    }
    if (rows != messages) {
      throw new IllegalStateException("raw read " + rows + " of " + messages);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double keel(Path work, String bootstrap, String url, String table, int messages)
      throws Exception {
    Path file = work.resolve(table + ".yaml");
    Files.writeString(
        file,
        """
        name: %s
        source: { kafka: { bootstrap: "%s", topic: bench } }
        columns: { id: bigint, customer: text, amount: "numeric(12,2)", ts: timestamptz }
        sink: { postgres: { table: %s, mode: append } }
        """
            .formatted(table, bootstrap, table));
    double took =
        KeelRun.seconds(
            file.getFileName().toString(), file, url, "--workers", Integer.toString(PARTITIONS));
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      if (rs.getLong(1) != messages) {
        throw new IllegalStateException("keel loaded " + rs.getLong(1) + " of " + messages);
      }
    }
    return took;
  }
}
