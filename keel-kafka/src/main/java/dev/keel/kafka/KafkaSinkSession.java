package dev.keel.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.KeelException;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.runtime.UnreachableException;
import dev.keel.spec.Column;
import dev.keel.spec.PipelineSpec;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.LongPredicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * One attempt: a Kafka transaction. Records are sent as they are staged (a read_committed consumer
 * sees none of them until the commit); {@link #publish} checks the keel fence, then commits,
 * recording the load id in the same transaction ({@link KafkaLoads}). A session closed without
 * publishing aborts, so a killed or failed attempt leaves nothing visible; an attempt that finds
 * its load id committed by an earlier one sends nothing.
 */
final class KafkaSinkSession implements SinkSession {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KafkaSinkSession.class);

  private final KafkaSinkSpec spec;
  private final List<Column> columns;
  private final int[] keyColumns;
  private final DataSource metadata;
  private final TaskRef task;
  private final KafkaProducer<String, String> producer;
  private final KafkaLoads loads;

  /**
   * The records an earlier attempt at this run's partition committed (its commit was not recorded
   * as the task's success: the node died, or its database went away), or null: then this attempt
   * stages and commits; else it sends nothing and its publish reports the earlier one.
   */
  private final Long earlier;

  private long staged;
  private boolean done;

  KafkaSinkSession(
      PipelineSpec pipeline,
      KafkaSinkSpec spec,
      Properties producer,
      DataSource metadata,
      TaskRef task,
      KafkaLoads loads) {
    this.spec = spec;
    this.loads = loads;
    this.columns = pipeline.columns();
    this.keyColumns = spec.key().stream().mapToInt(pipeline::columnIndex).toArray();
    this.metadata = metadata;
    this.task = task;
    this.producer = new KafkaProducer<>(producer);
    Long found;
    try {
      // Fences every older producer of this pipeline partition and settles its transaction: a
      // commit it had asked for completes, anything else is aborted. Only then is the load id
      // checked, so no older attempt can commit after the check.
      this.producer.initTransactions();
      found = loads.published(KafkaSink.transactionalId(task), task.loadId());
      if (found == null) {
        this.producer.beginTransaction();
      }
    } catch (KafkaException e) {
      this.producer.close(Duration.ZERO);
      throw translate("starting a transaction", e);
    } catch (RuntimeException e) {
      this.producer.close(Duration.ZERO);
      throw e;
    }
    this.earlier = found;
  }

  @Override
  public void stage(long position, Object[] values) {
    if (earlier != null) {
      return;
    }
    ObjectNode value = JsonNodeFactory.instance.objectNode();
    for (int c = 0; c < values.length; c++) {
      put(value, columns.get(c).name(), values[c]);
    }
    try {
      producer.send(
          new ProducerRecord<>(spec.topic(), key(values), JSON.writeValueAsString(value)));
      staged++;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new KeelException(task + ": writing record " + position + " as JSON failed", e);
    } catch (KafkaException e) {
      throw translate("sending", e);
    }
  }

  private String key(Object[] values) {
    if (keyColumns.length == 0) {
      return null;
    }
    if (keyColumns.length == 1) {
      Object v = values[keyColumns[0]];
      return v == null ? null : text(v);
    }
    ArrayNode key = JsonNodeFactory.instance.arrayNode();
    for (int k : keyColumns) {
      Object v = values[k];
      if (v == null) {
        key.addNull();
      } else if (v instanceof Number || v instanceof Boolean) {
        key.add(v instanceof BigDecimal d ? d : new BigDecimal(v.toString()));
      } else {
        key.add(v.toString());
      }
    }
    return key.toString();
  }

  private static String text(Object v) {
    return v instanceof BigDecimal d ? d.toPlainString() : v.toString();
  }

  private static void put(ObjectNode node, String name, Object v) {
    if (v == null) {
      node.putNull(name);
    } else if (v instanceof Long l) {
      node.put(name, l);
    } else if (v instanceof Integer i) {
      node.put(name, i);
    } else if (v instanceof Short s) {
      node.put(name, s);
    } else if (v instanceof BigDecimal d) {
      node.put(name, d);
    } else if (v instanceof Double d) {
      node.put(name, d);
    } else if (v instanceof Float f) {
      node.put(name, f);
    } else if (v instanceof Boolean b) {
      node.put(name, b);
    } else {
      node.put(name, v.toString());
    }
  }

  @Override
  public PublishResult publish(Rejects rejects, LongPredicate stillWithinLimit) {
    if (earlier != null) {
      log.info(
          "{}: already committed to {} by an earlier attempt ({} records, load {}); not producing"
              + " again",
          task,
          spec.target(),
          earlier,
          task.loadId());
      done = true;
      return new PublishResult(earlier, 0, true);
    }
    try {
      producer.flush();
      checkFence();
      rejects.flush();
      loads.record(producer, KafkaSink.transactionalId(task), task.loadId(), staged);
      producer.commitTransaction();
      done = true;
      return new PublishResult(staged, 0, false);
    } catch (KafkaException e) {
      throw translate("committing", e);
    }
  }

  /**
   * The task's claim is still this attempt's. Between this check and the commit a newer claim can
   * only win by initialising its own producer under the same transactional id, which makes this
   * commit fail with a fenced producer.
   */
  private void checkFence() {
    try (Connection c = metadata.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT fence FROM keel.task WHERE id = ?")) {
      ps.setLong(1, task.taskId());
      try (ResultSet rs = ps.executeQuery()) {
        long current = rs.next() ? rs.getLong(1) : -1;
        if (current != task.fence()) {
          throw new FenceRefusedException(
              "fence refused the publish of "
                  + task
                  + " to "
                  + spec.target()
                  + ": this attempt holds token "
                  + task.fence()
                  + " but the task's newest claim is "
                  + current
                  + "; its transaction is aborted");
        }
      }
    } catch (SQLException e) {
      throw new KeelException(task + ": checking the fence failed: " + e.getMessage(), e);
    }
  }

  private KeelException translate(String doing, KafkaException e) {
    if (e instanceof ProducerFencedException
        || e instanceof org.apache.kafka.common.errors.InvalidProducerEpochException) {
      return new FenceRefusedException(
          task
              + ": Kafka fenced this attempt's producer ("
              + KafkaSink.transactionalId(task)
              + "): a newer attempt at the partition owns it; nothing of this attempt is visible");
    }
    if (e instanceof RetriableException
        || e instanceof org.apache.kafka.common.errors.TimeoutException) {
      return new UnreachableException(
          task + ": " + doing + " to " + spec.target() + " failed: " + e.getMessage(), e);
    }
    return new KeelException(
        task + ": " + doing + " to " + spec.target() + " failed: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    try {
      if (!done && earlier == null) {
        producer.abortTransaction();
      }
    } catch (KafkaException e) {
      // Fenced or broken: the broker aborts the transaction itself (a newer producer, or the
      // transaction timeout).
    } finally {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
