package dev.keel.chaos;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * When the cluster works again after a fault: every task in flight at the fault has finished or
 * moved to a new claim (its claim's fence is no longer running), every node heartbeats since the
 * fault was healed, and a task of the pipeline succeeded since then. Times are the database's.
 */
final class Recovery {
  private static final String PROBE =
      """
      SELECT (SELECT count(*) FROM keel.task t JOIN unnest(?::bigint[], ?::bigint[]) f(id, fence)
                ON t.id = f.id AND t.fence = f.fence WHERE t.state = 'running'),
             (SELECT count(*) FROM keel.node WHERE id = ANY (?) AND heartbeat_at > ?),
             (SELECT count(*) FROM keel.task WHERE pipeline = ? AND state = 'succeeded' AND finished_at > ?)""";

  private final Long[] taskIds;
  private final Long[] fences;
  private final String[] nodes;
  private final Timestamp healed;

  /**
   * @param inFlight the (task id, fence) pairs running when the fault was injected
   */
  Recovery(List<List<String>> inFlight, List<String> nodes, Instant healed) {
    this.taskIds = inFlight.stream().map(r -> Long.valueOf(r.get(0))).toArray(Long[]::new);
    this.fences = inFlight.stream().map(r -> Long.valueOf(r.get(1))).toArray(Long[]::new);
    this.nodes = nodes.toArray(new String[0]);
    this.healed = Timestamp.from(healed);
  }

  boolean reached(Sql sql) throws SQLException {
    List<String> r =
        sql.rows(PROBE, taskIds, fences, nodes, healed, ChaosPipeline.NAME, healed).get(0);
    return r.get(0).equals("0")
        && Long.parseLong(r.get(1)) == nodes.length
        && !r.get(2).equals("0");
  }
}
