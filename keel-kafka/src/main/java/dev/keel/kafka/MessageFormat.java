package dev.keel.kafka;

import dev.keel.spec.Column;
import java.time.ZoneId;
import java.util.List;

/** Turns a message's value into typed values in declared-column order. */
interface MessageFormat {
  /**
   * @throws Refused when the message does not hold one record of the declared columns
   */
  Object[] values(String text);

  static MessageFormat of(KafkaSourceSpec.Format format, List<Column> columns, ZoneId zone) {
    return switch (format) {
      case JSON -> new JsonMessages(columns, zone);
      case CSV -> new CsvMessages(columns, zone);
    };
  }

  /** Why a message is not a record: it is dead-lettered with this reason. */
  final class Refused extends RuntimeException {
    Refused(String reason) {
      super(reason, null, false, false);
    }
  }
}
