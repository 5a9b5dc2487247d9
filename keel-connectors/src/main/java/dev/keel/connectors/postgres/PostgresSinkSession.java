package dev.keel.connectors.postgres;

import dev.keel.KeelException;
import dev.keel.runtime.EmptySourceException;
import dev.keel.runtime.FenceRefusedException;
import dev.keel.runtime.Rejects;
import dev.keel.runtime.SinkSession;
import dev.keel.runtime.TaskRef;
import dev.keel.spec.Column;
import dev.keel.spec.SinkSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.LongPredicate;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt: a transaction holding a temporary staging table (dropped on commit or rollback),
 * filled by COPY, then published. Until {@link #publish} commits, nothing is visible in the target.
 * A row whose value PostgreSQL refuses at COPY (a data exception coercion did not foresee) is set
 * aside and dead-lettered with its source position; the stage is rebuilt without it ({@link
 * #restage}).
 */
final class PostgresSinkSession implements SinkSession {
  private static final Logger log = LoggerFactory.getLogger(PostgresSinkSession.class);
  private static final int FLUSH_BYTES = 1 << 16;

  /** Each refused row costs a rebuild of the stage; past this many, the partition fails. */
  static final int MAX_REFUSED = 1000;

  /**
   * The socket read timeout while publishing. The pool's 60 s (PostgresUrls) notices a dead
   * database quickly, but the duplicate-key check and the merge are single statements that
   * legitimately send nothing back for minutes on a big partition (5M rows: over 60 s on 2 busy
   * cores, which failed every attempt with "Read timed out"). Leases are renewed on other
   * connections meanwhile, and the fence in this transaction still refuses a stale publish. Hikari
   * restores the pool's timeout when the connection goes back.
   */
  static final java.time.Duration PUBLISH_SOCKET_TIMEOUT = java.time.Duration.ofHours(1);

  private final PostgresSinkSpec spec;
  private final List<Column> columns;
  private final TargetTable target;
  private final TaskRef task;
  private final DataSource dataSource;
  private Connection conn;
  private final CopyText buffer = new CopyText();

  /** The COPY text of the stage, kept to rebuild it without a row PostgreSQL refuses. */
  private final StagedLines sent = new StagedLines();

  /** Rows PostgreSQL refused at COPY since the last commit, dead-lettered at publish. */
  private final List<Refused> refused = new java.util.ArrayList<>();

  private final PublishStatement statement;
  private final RepeatedKeys repeatedKeys;

  /**
   * The keys staged in this batch, approximately, so the publish can skip the duplicate-key pass
   * when none can repeat; null when keys are not checked or cannot be hashed exactly.
   */
  private final SeenKeys seen;

  /** What each publish records to be undone; null without keep_versions. */
  private final LoadVersions versions;

  /**
   * The keys of a versioned upsert's direct COPY as runs of integers, recorded instead of reading
   * them back from the target; null when the key is not one integer column or nothing is recorded.
   */
  private final KeyRuns keyRuns;

  /** The table of row images this publish's upsert recorded into; null: none (row_version). */
  private String imagesTable;

  /** Chunks of this run's partition committed so far (from the checkpoint, then this session's). */
  private int chunks;

  private CopyIn copy;

  /**
   * The COPY straight into the target when nothing there can conflict with the rows, null when they
   * are staged; {@link #directDone} once it went through.
   */
  private DirectCopy direct;

  private boolean directDone;

  private long staged;

  /** The lowest and highest source position staged since the last commit. */
  private long firstStaged;

  private long lastStaged;

  /**
   * Rows published by earlier chunks of this run's partition (from the checkpoint), for the load
   * row.
   */
  private long priorPublished;

  /** The stream position the next publish stores (storePosition), or null. */
  private String stream;

  private String streamPosition;

  private boolean done;
  private final long begun = System.nanoTime();

  /** This thread's CPU time when the session began, for the DEBUG timings (-1: not measured). */
  private final long begunCpu = log.isDebugEnabled() ? threadCpu() : -1;

  private static long threadCpu() {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
  }

  PostgresSinkSession(
      DataSource ds,
      PostgresSinkSpec spec,
      List<Column> columns,
      boolean unique,
      boolean laterWins,
      TargetTable target,
      TaskRef task) {
    this.spec = spec;
    this.columns = columns;
    this.target = target;
    this.task = task;
    this.statement = new PublishStatement(spec, columns, target);
    this.repeatedKeys = new RepeatedKeys(spec, columns, unique, laterWins);
    this.seen = repeatedKeys.applies() ? SeenKeys.forKey(columns, spec.key()) : null;
    this.keyRuns =
        spec.keepVersions() > 0 && spec.mode() == SinkSpec.Mode.UPSERT
            ? KeyRuns.forKey(columns, spec.key())
            : null;
    RowImages images = null;
    if (spec.keepVersions() > 0 && spec.mode() == SinkSpec.Mode.UPSERT) {
      try {
        images = RowImages.ensure(ds, target);
      } catch (SQLException e) {
        throw failure("preparing the table of row images of " + target.name(), e);
      }
    }
    this.versions =
        spec.keepVersions() > 0 ? new LoadVersions(spec, columns, target, statement, images) : null;
    this.dataSource = ds;
    try {
      this.conn = ds.getConnection();
      conn.setAutoCommit(false);
      beginStage();
    } catch (SQLException e) {
      close();
      throw failure("starting to stage", e);
    }
  }

  /**
   * A COPY straight into the target when nothing there can conflict ({@link DirectCopy}), else into
   * a new temporary staging table in the current transaction (dropped when it ends).
   */
  private void beginStage() throws SQLException {
    beginStage(directCopyable());
  }

  private void beginStage(boolean directly) throws SQLException {
    sent.reset();
    staged = 0;
    firstStaged = Long.MAX_VALUE;
    lastStaged = Long.MIN_VALUE;
    directDone = false;
    if (keyRuns != null) {
      keyRuns.reset();
    }
    if (directly) {
      statement.beforeInsert(conn, task.partition());
      direct = DirectCopy.open(conn, target, columns);
      copy = direct.copy();
      return;
    }
    try (Statement st = conn.createStatement()) {
      st.execute(StageTable.create(columns));
    }
    copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY keel_stage FROM STDIN");
  }

  /**
   * Whether this batch may go straight into the target: an append without the unique rule (nothing
   * to check against the target), or an upsert into an empty target (it can only insert, and the
   * target's unique index on the key refuses a repeated one; with keep_versions it records the key
   * of every row it inserted). Not replace, nor an append with keep_versions (its record would need
   * a scan of the whole target).
   */
  private boolean directCopyable() throws SQLException {
    if (!DIRECT_COPY) {
      return false;
    }
    return switch (spec.mode()) {
      case APPEND ->
          versions == null
              && !repeatedKeys.applies()
              && target.directCopyable(conn, List.of(), false);
      case UPSERT -> target.directCopyable(conn, spec.key(), true);
      case REPLACE -> false;
    };
  }

  /** Whether the rows staged so far go straight into the target (for tests). */
  boolean copyingDirectly() {
    return direct != null;
  }

  /** The spill file of the direct COPY under way (for tests); null when not copying directly. */
  java.nio.file.Path directCopySpillFile() {
    return direct == null ? null : direct.file();
  }

  /** The keys staged in this batch, approximately (for tests); null when not kept. */
  SeenKeys seenKeys() {
    return seen;
  }

  /** Off only to measure the staged path against it (the benchmark's KEEL_DIRECT_COPY=false). */
  static final boolean DIRECT_COPY =
      !"false".equalsIgnoreCase(System.getenv().getOrDefault("KEEL_DIRECT_COPY", "true"));

  /**
   * The target refused a row of the direct COPY ({@code e}): it is rolled back, and the rows kept
   * in its spill file are staged instead, as the stage would have had them from the start; the
   * publish then finds the culprits as usual.
   */
  private void fallBack(SQLException e) throws SQLException {
    log.debug(
        "{}: the direct COPY into {} failed ({}); staging its {} rows instead",
        task,
        target.name(),
        e.getMessage(),
        staged);
    buffer.reset();
    DirectCopy failed = direct;
    direct = null;
    java.io.InputStream spilled;
    try {
      spilled = failed.abandon(conn);
    } catch (SQLException lost) {
      // The connection is gone (a cut mid-COPY): the COPY's own error says what happened.
      failed.close();
      e.addSuppressed(lost);
      throw e;
    }
    if (seen != null) {
      // The spilled rows never passed through the filter.
      seen.forget();
    }
    try (failed;
        java.io.InputStream in = spilled) {
      beginStage(false);
      DirectCopy.Line line = new DirectCopy.Line();
      while (DirectCopy.readLine(in, line)) {
        buffer.raw(line.data, 0, line.length);
        long position = line.position();
        staged++;
        firstStaged = Math.min(firstStaged, position);
        lastStaged = Math.max(lastStaged, position);
        if (buffer.length() >= FLUSH_BYTES) {
          flush();
        }
      }
    } catch (java.io.IOException ex) {
      throw new java.io.UncheckedIOException("reading back the spill file", ex);
    }
  }

  @Override
  public void stage(long position, Object[] values) {
    if (direct != null) {
      if (keyRuns != null) {
        keyRuns.add(values);
      }
      int from = buffer.length();
      buffer.values(values);
      try {
        direct.keep(position, buffer.bytes(), from, buffer.length());
      } catch (java.io.UncheckedIOException e) {
        throw new KeelException(
            task
                + ": "
                + e.getMessage()
                + " failed ("
                + e.getCause().getMessage()
                + "): the direct COPY keeps every row in java.io.tmpdir until the publish;"
                + " free space there or point -Djava.io.tmpdir elsewhere",
            e);
      }
    } else {
      buffer.row(position, values);
      if (seen != null) {
        seen.add(values);
      }
    }
    staged++;
    firstStaged = Math.min(firstStaged, position);
    lastStaged = Math.max(lastStaged, position);
    if (buffer.length() >= FLUSH_BYTES) {
      flush();
    }
  }

  private void flush() {
    try {
      send();
    } catch (SQLException e) {
      try {
        if (direct != null) {
          fallBack(e);
          return;
        }
        restage(e);
      } catch (SQLException again) {
        throw failure("staging rows with COPY", again);
      }
    }
  }

  private void send() throws SQLException {
    if (buffer.length() == 0) {
      return;
    }
    if (direct == null) {
      sent.append(buffer.bytes(), buffer.length());
    }
    copy.writeToCopy(buffer.bytes(), 0, buffer.length());
    buffer.reset();
  }

  /**
   * Sends what is buffered and ends the COPY, setting aside each row PostgreSQL refuses, so the
   * connection can run statements again; once (the empty-source check may have ended it already).
   */
  private void endStage() throws SQLException {
    while (copy != null) {
      try {
        send();
        copy.endCopy();
        copy = null;
        if (direct != null) {
          direct.complete();
          direct = null;
          directDone = true;
        }
        return;
      } catch (SQLException e) {
        if (direct != null) {
          fallBack(e);
        } else {
          restage(e);
        }
      }
    }
  }

  /**
   * After the COPY failed with {@code e}: when PostgreSQL refused one row's value (class 22, the
   * staging line named in its context) and the stage is kept, that row is set aside (dead-lettered
   * at publish, with its source position) and the stage is rebuilt in a new transaction from the
   * other rows, again until a rebuild goes through. Rows already committed by earlier chunks are
   * not touched: the rollback only ends this chunk's transaction, which holds nothing but the
   * stage. Otherwise {@code e} is the failure.
   */
  private void restage(SQLException e) throws SQLException {
    SQLException error = e;
    while (true) {
      long line = RefusedRow.stagingLine(error);
      if (line <= 0 || !sent.kept()) {
        throw failure(
            "staging rows with COPY"
                + (line > 0
                    ? " (staging line "
                        + line
                        + "; the stage is over "
                        + StagedLines.CAP / (1024 * 1024)
                        + " MiB, too big to set the row aside: use commit: chunk)"
                    : ""),
            error);
      }
      buffer.reset();
      StagedLines.Line[] lines = sent.take();
      if (line > lines.length) {
        throw failure("staging rows with COPY (staging line " + line + " was not sent)", error);
      }
      StagedLines.Line bad = lines[(int) line - 1];
      refused.add(new Refused(bad.position(), bad.values(), RefusedRow.reason(error)));
      if (refused.size() > MAX_REFUSED) {
        throw failure(
            "staging rows with COPY: PostgreSQL refused more than " + MAX_REFUSED + " rows", error);
      }
      log.debug(
          "{}: COPY refused the row at position {}; restaging without it", task, bad.position());
      if (copy != null && copy.isActive()) {
        copy.cancelCopy();
      }
      conn.rollback();
      beginStage(false);
      for (Refused r : refused) {
        // Still this publish's positions: supersede covers them (an earlier attempt's verdict is
        // void).
        firstStaged = Math.min(firstStaged, r.position());
        lastStaged = Math.max(lastStaged, r.position());
      }
      try {
        for (StagedLines.Line l : lines) {
          if (l != bad) {
            buffer.raw(l.data(), l.from(), l.to());
            staged++;
            firstStaged = Math.min(firstStaged, l.position());
            lastStaged = Math.max(lastStaged, l.position());
            if (buffer.length() >= FLUSH_BYTES) {
              send();
            }
          }
        }
        return;
      } catch (SQLException next) {
        error = next;
      }
    }
  }

  /**
   * Dead-letters the rows PostgreSQL refused at COPY; returns how many. They are not in the stage,
   * so they add to the publish's rejects but not to its staged rows.
   */
  private long rejectRefused(Rejects rejects, LongPredicate stillWithinLimit) {
    for (Refused r : refused) {
      rejects.reject(r.position(), r.raw(), r.reason());
    }
    long n = refused.size();
    refused.clear();
    if (n > 0 && !stillWithinLimit.test(n)) {
      throw new dev.keel.runtime.RejectedLimitException(
          n, n + " records of " + task + " were refused by PostgreSQL at COPY");
    }
    return n;
  }

  private record Refused(long position, String raw, String reason) {}

  @Override
  public PublishResult publish(Rejects rejects, LongPredicate stillWithinLimit) {
    try {
      long t0 = System.nanoTime();
      long cpu = begunCpu < 0 ? -1 : threadCpu() - begunCpu;
      conn.setNetworkTimeout(Runnable::run, (int) PUBLISH_SOCKET_TIMEOUT.toMillis());
      endStage();
      long t1 = System.nanoTime();
      checkFence();
      long[] previous = previousLoad();
      if (previous != null) {
        conn.rollback();
        done = true;
        log.info(
            "{}: already published by an earlier attempt ({} rows, {} rejected at publish, load {}); not publishing again",
            task,
            previous[0],
            previous[1],
            task.loadId());
        // The rows that publish rejected count as this partition's rejects (their dead letters are
        // the earlier attempt's, made durable before its commit).
        return new PublishResult(previous[0], previous[1], true);
      }
      long t2 = System.nanoTime();
      long atCopy = rejectRefused(rejects, stillWithinLimit);
      LongPredicate within = n -> stillWithinLimit.test(atCopy + n);
      long duplicates = directDone ? 0 : repeatedKeys.reject(conn, task, rejects, within, seen);
      long t3 = System.nanoTime();
      LoadVersions.Recorded version = versions == null ? null : versions.begin(conn, task, chunks);
      long atInsert =
          directDone ? copied(version) : duplicates + write(rejects, duplicates, within, version);
      long t4 = System.nanoTime();
      long published = staged - atInsert;
      long rejected = atCopy + atInsert;
      counted(version, published);
      recordLoad(priorPublished + published, rejected);
      recordPosition();
      // The records rejected here are durable before the rows they left out: after a commit whose
      // acknowledgement is lost, the retry finds the load id and rejects nothing at publish again.
      rejects.flush();
      supersede(rejects);
      conn.commit();
      done = true;
      if (log.isDebugEnabled()) {
        log.debug(
            "{}: {} rows: read, transformed and {} in {} ms (this thread's CPU {} ms; of which ending the COPY {} ms), fence and load check {} ms,"
                + " duplicate-key check {} ms{}, {} into {} {} ms, commit {} ms",
            task,
            staged,
            directDone ? "COPYed straight into the target" : "staged",
            ms(t1 - begun),
            cpu < 0 ? "?" : ms(cpu),
            ms(t1 - t0),
            ms(t2 - t1),
            ms(t3 - t2),
            !directDone && seen != null && seen.noneRepeated()
                ? " (skipped: no key can repeat)"
                : "",
            spec.mode(),
            target.name(),
            ms(t4 - t3),
            ms(System.nanoTime() - t4));
      }
      return new PublishResult(published, rejected, false);
    } catch (SQLException e) {
      throw failure("publishing to " + target.name(), e);
    }
  }

  /**
   * Replace with nothing read would delete the partition: refused unless {@code allow_empty}. A
   * partition that holds no rows yet loses nothing, so that is allowed. The count is taken in this
   * transaction; the session is closed after the refusal, which rolls it back.
   */
  @Override
  public void checkEmptySource() {
    if (spec.mode() != SinkSpec.Mode.REPLACE || spec.allowEmpty()) {
      return;
    }
    long rows;
    try {
      endStage();
      rows = statement.replacedRows(conn, task.partition());
    } catch (SQLException e) {
      throw failure(
          "counting the rows of partition " + task.partition() + " in " + target.name(), e);
    }
    if (rows > 0) {
      throw new EmptySourceException(
          task
              + ": the source yielded no records, and mode replace would delete the "
              + rows
              + " rows of partition "
              + task.partition()
              + " in "
              + target.name()
              + "; refused, the target is untouched."
              + " If the source is meant to be empty, set sink.postgres.allow_empty: true");
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  @Override
  public Checkpoint resumePoint() {
    // Its own connection: this session's is busy with the COPY already.
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
        SELECT position, chunks, rows_read, rows_filtered, rows_rejected, rows_published
        FROM keel_sink.checkpoint WHERE load_id = ?""")) {
      ps.setString(1, task.loadId());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        priorPublished = rs.getLong(6);
        chunks = rs.getInt(2);
        return new Checkpoint(
            rs.getString(1),
            rs.getInt(2),
            rs.getLong(3),
            rs.getLong(4),
            rs.getLong(5),
            rs.getLong(6));
      }
    } catch (SQLException e) {
      throw failure("reading the checkpoint", e);
    }
  }

  @Override
  public PublishResult publishChunk(
      Checkpoint at, Rejects rejects, LongPredicate stillWithinLimit) {
    try {
      conn.setNetworkTimeout(Runnable::run, (int) PUBLISH_SOCKET_TIMEOUT.toMillis());
      endStage();
      checkFence();
      long atCopy = rejectRefused(rejects, stillWithinLimit);
      LongPredicate within = n -> stillWithinLimit.test(atCopy + n);
      long duplicates = directDone ? 0 : repeatedKeys.reject(conn, task, rejects, within, seen);
      LoadVersions.Recorded version =
          versions == null ? null : versions.begin(conn, task, at.chunks());
      long atInsert =
          directDone ? copied(version) : duplicates + write(rejects, duplicates, within, version);
      long published = staged - atInsert;
      long rejected = atCopy + atInsert;
      counted(version, published);
      try (PreparedStatement ps =
          conn.prepareStatement(
              """
          INSERT INTO keel_sink.checkpoint (load_id, target, position, chunks, rows_read, rows_filtered, rows_rejected,
                                            rows_published, fence)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (load_id) DO UPDATE SET position = excluded.position, chunks = excluded.chunks,
            rows_read = excluded.rows_read, rows_filtered = excluded.rows_filtered, rows_rejected = excluded.rows_rejected,
            rows_published = excluded.rows_published, fence = excluded.fence, updated_at = now()""")) {
        ps.setString(1, task.loadId());
        ps.setString(2, target.name());
        ps.setString(3, at.position());
        ps.setInt(4, at.chunks() + 1);
        ps.setLong(5, at.read());
        ps.setLong(6, at.filtered());
        ps.setLong(7, at.rejected() + rejected);
        ps.setLong(8, at.published() + published);
        ps.setLong(9, task.fence());
        ps.executeUpdate();
      }
      recordPosition();
      // As the runner does with the chunk's other rejects: a resumed attempt starts after this
      // chunk.
      rejects.flush();
      supersede(rejects);
      conn.commit();
      priorPublished = at.published() + published;
      chunks = at.chunks() + 1;
      if (seen != null) {
        seen.reset();
      }
      beginStage();
      return new PublishResult(published, rejected, false);
    } catch (SQLException e) {
      throw failure("publishing a chunk to " + target.name(), e);
    }
  }

  private void checkFence() throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT token FROM keel_sink.fence WHERE target = ? AND partition = ? FOR UPDATE")) {
      ps.setString(1, target.name());
      ps.setString(2, task.partition());
      try (ResultSet rs = ps.executeQuery()) {
        long current = rs.next() ? rs.getLong(1) : -1;
        if (current != task.fence()) {
          throw new FenceRefusedException(
              "fence refused the publish of "
                  + task
                  + " to "
                  + target.name()
                  + ": this attempt holds token "
                  + task.fence()
                  + " but the partition's newest claim is "
                  + current
                  + "; another node owns it now, so this attempt publishes nothing");
        }
      }
    }
  }

  /** The rows published and rejected at publish by the load of this run's partition, or null. */
  private long[] previousLoad() throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT rows, rows_rejected FROM keel_sink.load WHERE load_id = ?")) {
      ps.setString(1, task.loadId());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
      }
    }
  }

  /**
   * This publish writes the target: what earlier attempts rejected at the positions it staged is
   * void (a row a constraint refused at a publish of theirs that never committed may be published
   * now). Its own rejects are durable already.
   */
  private void supersede(Rejects rejects) {
    if (staged > 0) {
      rejects.supersede(firstStaged, lastStaged);
    }
  }

  /**
   * Inserts the staged rows into the target, rejecting those that break one of its constraints
   * ({@link ViolatorBisection}); returns how many it rejected. {@code duplicates} were rejected
   * before, and count towards the limit.
   */
  private long write(
      Rejects rejects,
      long duplicates,
      LongPredicate stillWithinLimit,
      LoadVersions.Recorded version)
      throws SQLException {
    PublishStatement insert = statement;
    imagesTable = null;
    RowImages images = version == null ? null : versions.images;
    long priorRows = -1;
    if (version != null) {
      if (images != null && images.usable()) {
        imagesTable = images.into(conn, version.version(), staged);
        priorRows = images.priorRowsTrigger(conn, target);
        if (priorRows >= 0) {
          RowImages.startRecordingPriorRows(
              conn, priorRows, imagesTable, version.version(), version.chunk());
        }
      }
      insert =
          statement.recording(
              version.version(), version.chunk(), images, imagesTable, priorRows >= 0);
    }
    insert.beforeInsert(conn, task.partition());
    long rejected =
        new ViolatorBisection(
                conn, insert, target, columns, task, rejects, duplicates, stillWithinLimit)
            .publish();
    if (priorRows >= 0) {
      images.stopRecordingPriorRows(conn, target, priorRows);
    }
    return rejected;
  }

  /**
   * After a direct COPY, what the version records (upsert into an empty target: the key of every
   * row); none rejected.
   */
  private long copied(LoadVersions.Recorded version) throws SQLException {
    imagesTable = null;
    if (version != null) {
      versions.recordCopied(conn, version, keyRuns);
    }
    return 0;
  }

  /**
   * Adds what this publish did to its version's counts: upsert, the rows its statements recorded (a
   * row rejected at the insert is not among them); append and replace, the rows published.
   */
  private void counted(LoadVersions.Recorded version, long published) throws SQLException {
    if (version == null) {
      return;
    }
    switch (spec.mode()) {
      case UPSERT -> {
        long[] iu = versions.upserted(conn, version.version(), version.chunk(), imagesTable);
        LoadVersions.count(conn, version.version(), iu[0], iu[1], 0);
      }
      case APPEND -> LoadVersions.count(conn, version.version(), published, 0, 0);
      case REPLACE -> LoadVersions.count(conn, version.version(), published, 0, version.deleted());
    }
  }

  @Override
  public String storedPosition(String stream) {
    // Its own connection, as resumePoint: this session's is busy with the COPY already.
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
        SELECT position FROM keel_sink.source_position WHERE target = ? AND partition = ? AND stream = ?""")) {
      ps.setString(1, target.name());
      ps.setString(2, task.partition());
      ps.setString(3, stream);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw failure("reading the stored position of " + stream, e);
    }
  }

  @Override
  public void storePosition(String stream, String position) {
    this.stream = stream;
    this.streamPosition = position;
  }

  /** The stream position, in the publish transaction (after the fence check). */
  private void recordPosition() throws SQLException {
    if (stream == null) {
      return;
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            """
        INSERT INTO keel_sink.source_position (target, partition, stream, position, load_id)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (target, partition, stream) DO UPDATE
          SET position = excluded.position, load_id = excluded.load_id, updated_at = now()""")) {
      ps.setString(1, target.name());
      ps.setString(2, task.partition());
      ps.setString(3, stream);
      ps.setString(4, streamPosition);
      ps.setString(5, task.loadId());
      ps.executeUpdate();
    }
  }

  private void recordLoad(long rows, long rejected) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO keel_sink.load (load_id, target, fence, rows, rows_rejected) VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, task.loadId());
      ps.setString(2, target.name());
      ps.setLong(3, task.fence());
      ps.setLong(4, rows);
      ps.setLong(5, rejected);
      ps.executeUpdate();
    }
  }

  private KeelException failure(String doing, SQLException e) {
    return new SinkException(task + ": " + doing + " failed: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    if (conn == null) {
      return;
    }
    try {
      if (copy != null && copy.isActive()) {
        copy.cancelCopy();
      }
      if (direct != null) {
        direct.close();
      }
      if (!done) {
        conn.rollback();
      }
    } catch (SQLException e) {
      log.debug("{}: rollback on close failed: {}", task, e.getMessage());
    } finally {
      try {
        conn.setAutoCommit(true);
        conn.close();
      } catch (SQLException e) {
        log.debug("{}: closing the sink connection failed: {}", task, e.getMessage());
      }
    }
  }
}
