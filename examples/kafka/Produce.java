import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/** java -cp "$(cat .classpath)" Produce.java [count] [first-id]: sample order events into "orders". */
public class Produce {
  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int first = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Properties p = new Properties();
    p.put("bootstrap.servers", "localhost:9092");
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(java.util.List.of(new NewTopic("orders", 3, (short) 1))).all().get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("acks", "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int id = first; id < first + count; id++) {
        String json = String.format(
            "{\"id\": %d, \"customer\": \"customer-%d\", \"amount\": %d.%02d, \"ts\": \"2026-11-29T10:00:00Z\"}",
            id, id % 50, id % 500, id % 100);
        producer.send(new ProducerRecord<>("orders", Integer.toString(id), json));
      }
      producer.send(new ProducerRecord<>("orders", "bad", "this is not JSON"));
    }
    System.out.println("sent " + count + " orders (ids " + first + ".." + (first + count - 1) + ") and 1 bad message");
  }
}
