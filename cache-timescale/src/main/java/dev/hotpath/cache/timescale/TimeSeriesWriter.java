package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.internal.BoundRegistries;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.Connection;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes time-series rows (candles, indicators, signals, logs) to an existing PostgreSQL or
 * TimescaleDB table in batches with {@code COPY … FROM STDIN}, from a bounded in-memory buffer.
 *
 * <pre>{@code
 * TimeSeriesWriter<Candle> candles = TimeSeriesWriter.<Candle>builder()
 *     .dataSource(hikari).schema("market").table("candles")
 *     .column("symbol", Candle::symbol).column("ts", Candle::openTime).column("close", Candle::close)
 *     .build();
 * candles.write(candle);   // returns at once; written within flushInterval
 * }</pre>
 *
 * <p><b>Batches.</b> A background thread (or {@link Builder#flushThreads} of them) takes up to
 * {@link Builder#batchSize} rows when that many are waiting, when {@link Builder#flushInterval}
 * passed, or when {@link #flush} asks, and sends them in one COPY (one transaction: a batch is
 * written whole or not at all).
 *
 * <p><b>Outages.</b> When a batch fails it is kept and retried with exponential backoff
 * ({@link Builder#retryBackoff}) until the server is back; meanwhile new rows wait in the buffer.
 * A full buffer applies the {@link Overflow} policy, which is counted. Delivery is at least once: a
 * batch whose commit reached the server but whose acknowledgement was lost is written again.
 *
 * <p><b>Refused rows.</b> A batch the server refuses for its data (SQLSTATE class 22, data
 * exception, such as a value too long or out of range; class 23, integrity constraint violation,
 * such as a duplicate key after a redelivery; class 54, a program limit) or holding a value that
 * cannot be encoded would fail the same way on every retry and block the writer. It is sent again
 * once, row by row, so that only the rows refused are given up: they are counted in {@link
 * Stats#refused()} and logged once per batch with the first reason. Other failures (the server
 * unreachable, shutting down, out of resources, a serialization failure, but also a missing table
 * or privilege, which an operator can fix and which concern every row alike) are retried.
 *
 * <p><b>Duplicates.</b> With {@link Builder#onConflictDoNothing}, a row whose key is already in the
 * table (a redelivered batch, a restart that reads the same data again, another writer) leaves the
 * table as it is instead of being refused: each batch is COPYed into a temporary table of the
 * session and inserted from there with {@code INSERT … ON CONFLICT (key) DO NOTHING}, in one
 * transaction. Without it, such a row is refused as described below.
 *
 * <p><b>Close.</b> {@link #close()} refuses new rows and writes every row it accepted, retrying for
 * up to {@link Builder#closeTimeout}; only if the server stays away that long, or a COPY is still
 * running past that deadline, are rows given up, and then {@code close} says how many.
 *
 * <p><b>Values.</b> Column values are read when a row is written; a {@code byte[]} is copied and
 * any value of a type not listed below is turned into its {@code toString()} then, so the row may
 * be changed or reused afterwards. The writer reads the table's column types when it first
 * connects and, when every column has one of the types bool, int2/4/8, float4/8, numeric, text,
 * varchar, char, json, jsonb, bytea, date, timestamp, timestamptz or uuid (or a domain over one),
 * sends batches in COPY's binary format, which the server does not have to parse. Values map as
 * follows: numbers to the number types; {@code Instant}, {@code OffsetDateTime} and {@code
 * ZonedDateTime} to timestamptz; {@code LocalDateTime} (or the local part of an {@code Instant} in
 * UTC or of an {@code OffsetDateTime}) to timestamp; {@code LocalDate} to date; {@code UUID} to uuid;
 * {@code byte[]} to bytea; {@code Boolean} to bool; and to text-like columns, the value's text form.
 * A batch holding any other combination (a {@code LocalDateTime} in a timestamptz column, a {@code
 * String} in a number column), and every batch for a table with another column type, is sent in
 * COPY's text format instead: numbers, booleans, {@code byte[]} (hex), {@code java.time} values
 * (ISO-8601) and anything else by its {@code toString()}, parsed by the server. Either way a value
 * is stored the same. Thread-safe.
 *
 * @param <R> the row type
 */
public final class TimeSeriesWriter<R> implements AutoCloseable, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(TimeSeriesWriter.class);
  private static final int COPY_CHUNK_BYTES = 64 * 1024;

  /** What {@link #write} does when the buffer is full. */
  public enum Overflow {
    /** Wait up to {@link Builder#blockTimeout} for room, then reject. The default. */
    BLOCK,
    /** Reject the new row at once ({@code write} returns false). */
    REJECT,
    /**
     * Drop the oldest waiting row to make room (for logs, where the newest matter most); a row in a
     * batch being sent cannot be dropped, so when every row held is in one, reject the new row.
     */
    DROP_OLDEST
  }

  /**
   * Counters since the writer was built.
   *
   * @param accepted rows {@link #write} took into the buffer
   * @param written rows committed to the table
   * @param rejected rows {@link #write} refused because the buffer was full
   * @param dropped buffered rows discarded by {@link Overflow#DROP_OLDEST}
   * @param lost rows given up at close because the server stayed away (or a COPY kept running)
   *     past the close timeout
   * @param buffered rows waiting in the buffer now, not counting batches being sent (which {@link
   *     Builder#bufferCapacity} bounds too)
   * @param failedFlushes batches that failed and were retried (or sent again row by row)
   * @param refused rows given up because the server refused their data (a constraint or data
   *     error) or a value could not be encoded
   */
  public record Stats(
      long accepted, long written, long rejected, long dropped, long lost, int buffered,
      long failedFlushes, long refused) {}

  private final String name;
  private final String table;
  private final String copySql;
  /** With {@link Builder#onConflictDoNothing}: how a batch goes through the staging table; else null. */
  private final Staging staging;
  private final List<String> columnNames;
  private final RowCapture<R> capture;
  /**
   * How the flushers send batches, read from the table's column types on the first connection;
   * null until then, and again after a failed batch, in case the table was altered.
   */
  private volatile CopyFormat format;
  /** Whether the last batch written went in the binary format; for tests. */
  private volatile boolean lastBatchBinary;
  private final RowBuffer buffer;
  private final ConnectionSpec.Pool pool;
  private final Duration flushInterval;
  private final Duration blockTimeout;
  private final Duration backoffMin;
  private final Duration backoffMax;
  private final Duration closeTimeout;
  private final AtomicLong failedFlushes = new AtomicLong();
  private final BoundRegistries boundTo = new BoundRegistries();
  /** Why the latest attempt failed, for close's report; null until one fails. */
  private volatile Exception lastFailure;
  private final List<Thread> flushers;
  /** The connection each flusher is sending on, so that close can cancel a COPY past its deadline. */
  private final Map<Thread, Connection> sending = new ConcurrentHashMap<>();
  private volatile long closeDeadlineNanos = Long.MAX_VALUE;
  private volatile boolean closing;
  /** Set by close when a flusher outlived its deadline: flushers start no new attempt. */
  private volatile boolean abandoned;

  private TimeSeriesWriter(Builder<R> b) {
    this.table = Checks.qualified(b.schema, b.table);
    this.name = b.schema + "." + b.table;
    this.columnNames = List.copyOf(b.columns.keySet());
    String columnList = columnNames.stream().map(Checks::quote).collect(Collectors.joining(", "));
    this.copySql = "COPY " + table + " (" + columnList + ") FROM STDIN";
    this.staging = b.conflictKey == null ? null : Staging.of(b.table, name, table, columnList, b.conflictKey);
    this.capture = new RowCapture<R>(columnNames, List.copyOf(b.columns.values()));
    this.buffer = new RowBuffer(b.bufferCapacity, b.batchSize, b.overflow);
    this.flushInterval = b.flushInterval;
    this.blockTimeout = b.blockTimeout;
    this.backoffMin = b.backoffMin;
    this.backoffMax = b.backoffMax;
    this.closeTimeout = b.closeTimeout;
    this.pool = b.connections.open("hotpath-writer-" + b.table);
    this.flushers =
        IntStream.range(0, b.flushThreads)
            .mapToObj(i -> new Thread(this::flushLoop, "hotpath-writer-" + name + "-" + i))
            .toList();
    for (Thread flusher : flushers) {
      flusher.setDaemon(true);
      flusher.start();
    }
  }

  /** A new builder. */
  public static <R> Builder<R> builder() {
    return new Builder<>();
  }

  /**
   * Buffers {@code row} for writing. Returns at once unless the buffer is full and the policy is
   * {@link Overflow#BLOCK}.
   *
   * @return true when the row was accepted (it will be written, or counted as lost at close);
   *     false when the overflow policy rejected it
   * @throws NullPointerException if {@code row} is null
   * @throws IllegalArgumentException when a value cannot be written (a NUL character in text)
   * @throws IllegalStateException after {@link #close()}
   */
  public boolean write(R row) {
    Object[] values = capture.capture(requireNonNull(row, "row"));
    try {
      return buffer.offer(values, blockTimeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits until every row accepted before this call is written (or dropped by the overflow
   * policy), asking for a batch at once. When it returns true, {@link #stats()} counts those rows.
   *
   * @param timeout how long to wait; positive
   * @return false when the timeout passed first (for instance while the server is away)
   */
  public boolean flush(Duration timeout) {
    Checks.positive(timeout, "timeout");
    try {
      return buffer.awaitSettled(timeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The counters now. */
  public Stats stats() {
    return buffer.stats(failedFlushes.get());
  }

  /**
   * Registers {@code hotpath.timeseries.rows} tagged {@code outcome} = written, rejected, dropped,
   * lost or refused, {@code hotpath.timeseries.buffered} and {@code hotpath.timeseries.flush.failures}, all
   * tagged {@code table}. The registry holds this writer weakly.
   *
   * <p>Once per registry: binding to a registry this writer is bound to already registers nothing;
   * binding to another registry registers there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, this::register);
  }

  private void register(MeterRegistry registry) {
    Tags tags = Tags.of("table", name);
    Map<String, Function<TimeSeriesWriter<R>, Long>> outcomes =
        Map.of(
            "written", w -> w.stats().written(),
            "rejected", w -> w.stats().rejected(),
            "dropped", w -> w.stats().dropped(),
            "lost", w -> w.stats().lost(),
            "refused", w -> w.stats().refused());
    outcomes.forEach(
        (outcome, count) ->
            FunctionCounter.builder("hotpath.timeseries.rows", this, w -> count.apply(w))
                .tags(tags.and("outcome", outcome))
                .baseUnit("rows")
                .register(registry));
    Gauge.builder("hotpath.timeseries.buffered", buffer, RowBuffer::size)
        .tags(tags)
        .baseUnit("rows")
        .register(registry);
    FunctionCounter.builder("hotpath.timeseries.flush.failures", failedFlushes, AtomicLong::get)
        .tags(tags)
        .register(registry);
  }

  /**
   * Refuses new rows, writes every accepted row (retrying for up to the close timeout), stops the
   * flusher and closes the pool if this writer built it. Idempotent.
   *
   * <p>A flusher still sending when the close timeout (plus the longest backoff and a second) has
   * passed is stopped: its COPY is cancelled, it starts no new attempt, and every row not settled
   * by then is counted as lost (such a row may still reach the table if its COPY commits before
   * the cancel arrives: delivery stays at least once, the count is of rows not known written).
   *
   * @throws PostgresException when rows had to be given up; its message says how many, and why the
   *     last attempt failed (its SQLSTATE too, when the server or driver gave one)
   */
  @Override
  public void close() {
    synchronized (this) {
      if (!closing) {
        closing = true;
        closeDeadlineNanos = System.nanoTime() + closeTimeout.toNanos();
        buffer.close();
      }
    }
    long joinDeadline =
        System.nanoTime() + closeTimeout.plus(backoffMax).plusSeconds(1).toNanos();
    try {
      for (Thread flusher : flushers) {
        flusher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (flushers.stream().anyMatch(Thread::isAlive)) {
      abandonStuckFlushers();
    }
    pool.close();
    long gaveUp = buffer.lost();
    if (gaveUp > 0) {
      String message =
          "writer " + name + ": " + gaveUp + " rows could not be written within closeTimeout "
              + closeTimeout;
      Exception last = lastFailure;
      if (last instanceof SQLException sql) {
        throw new PostgresException(message + "; the last attempt failed", sql);
      }
      throw new PostgresException(message + (last == null ? "" : "; the last attempt failed: " + last));
    }
  }

  @Override
  public String toString() {
    return "TimeSeriesWriter[" + name + ", " + pool.description() + "]";
  }

  /** Whether the last batch written went in COPY's binary format (else text). */
  boolean lastBatchBinary() {
    return lastBatchBinary;
  }

  private void flushLoop() {
    // Each flusher's own, reused for every batch.
    CopySink sink = new CopySink(COPY_CHUNK_BYTES);
    RowBuffer.Batch batch = null;
    // Whether the batch is being sent row by row, to set aside the rows the server refuses.
    boolean isolate = false;
    long backoff = backoffMin.toNanos();
    while (true) {
      try {
        if (abandoned) {
          return; // close gave up the rows left, this batch's included, and counted them
        }
        if (batch == null) {
          if (buffer.drained()) {
            return;
          }
          batch = buffer.take(flushInterval.toNanos());
          isolate = false;
          if (batch.isEmpty()) {
            batch = null;
            continue;
          }
        }
        if (isolate) {
          sendRowByRow(batch, sink);
        } else {
          copy(batch.rows(), sink);
          buffer.settleWritten(batch, batch.size());
        }
        batch = null;
        backoff = backoffMin.toNanos();
      } catch (SQLException | RuntimeException e) {
        failedFlushes.incrementAndGet();
        lastFailure = e;
        if (abandoned) {
          return;
        }
        if (!isolate && isRefusal(e)) {
          // Retrying the whole batch would fail the same way forever; at once, not after a
          // backoff: the server is up, it just refused something in this batch.
          isolate = true;
          LOG.warn(
              "writer {}: batch of {} rows refused, sending its rows one by one to set the bad ones"
                  + " aside: {}",
              name, batch.size(), e.toString());
          continue;
        }
        format = null;
        if (closing && System.nanoTime() >= closeDeadlineNanos) {
          giveUp(batch, e);
          return;
        }
        LOG.warn(
            "writer {}: batch of {} rows failed, retrying in {} ms: {}",
            name, batch == null ? 0 : batch.size(), TimeUnit.NANOSECONDS.toMillis(backoff),
            e.toString());
        try {
          long wait = closing ? Math.min(backoff, closeDeadlineNanos - System.nanoTime()) : backoff;
          TimeUnit.NANOSECONDS.sleep(Math.max(0, wait));
        } catch (InterruptedException interrupted) {
          giveUp(batch, e);
          return;
        }
        long jitter = ThreadLocalRandom.current().nextLong(backoff / 5 + 1);
        backoff = Math.min(backoffMax.toNanos(), backoff * 2 + jitter);
      } catch (InterruptedException e) {
        giveUp(batch, e);
        return;
      }
    }
  }

  /**
   * Sends the unsettled rows of {@code batch} one COPY each, settling each as written or refused.
   * An outage ends it with the exception; the rows left are retried, still one by one.
   */
  private void sendRowByRow(RowBuffer.Batch batch, CopySink sink) throws SQLException {
    int refusedHere = 0;
    Exception firstReason = null;
    try {
      for (Object[] row : buffer.unsettled(batch)) {
        if (abandoned) {
          return;
        }
        try {
          copy(Collections.singletonList(row), sink);
          buffer.settleWritten(batch, 1);
        } catch (SQLException | RuntimeException e) {
          if (!isRefusal(e)) {
            throw e;
          }
          buffer.settleRefused(batch, 1);
          refusedHere++;
          if (firstReason == null) {
            firstReason = e;
          }
        }
      }
    } finally {
      if (refusedHere > 0) {
        // Once per batch: a redelivered batch of duplicates would otherwise log every row.
        LOG.error(
            "writer {}: gave up {} rows the server refused, the first for: {}",
            name, refusedHere, firstReason.toString());
      }
    }
  }

  /**
   * Whether {@code e} says the rows were refused for their content (retrying cannot help) rather
   * than that the server could not take them now.
   */
  static boolean isRefusal(Exception e) {
    if (!(e instanceof SQLException sql) || PostgresException.isConnectionFailure(sql)) {
      return false;
    }
    String state = sql.getSQLState();
    return state != null
        && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
  }

  private void giveUp(RowBuffer.Batch batch, Exception cause) {
    int count = buffer.giveUp(batch);
    LOG.error("writer {}: gave up {} rows at close: {}", name, count, cause.toString());
  }

  /**
   * Close's deadline passed with a flusher still sending (a COPY blocked on a lock, say): stops the
   * flushers from starting anything new, cancels what they are sending, and counts every row not
   * settled as lost, so that close reports them instead of returning as if all were written.
   */
  private void abandonStuckFlushers() {
    abandoned = true;
    int count = buffer.abandon();
    for (Connection c : sending.values()) {
      try {
        c.unwrap(PGConnection.class).cancelQuery();
      } catch (SQLException | RuntimeException e) {
        LOG.debug("writer {}: could not cancel a COPY at close: {}", name, e.toString());
      }
    }
    LOG.error(
        "writer {}: gave up {} rows at close: a flusher was still sending after closeTimeout {}",
        name, count, closeTimeout);
  }

  private void copy(List<Object[]> batch, CopySink sink) throws SQLException {
    DataSource dataSource = pool.dataSource();
    try (Connection c = dataSource.getConnection()) {
      sending.put(Thread.currentThread(), c);
      try {
        copy(c, batch, sink);
      } finally {
        sending.remove(Thread.currentThread());
      }
    }
  }

  /** Sends {@code batch} on {@code c}, in binary when it can, and commits it. */
  private void copy(Connection c, List<Object[]> batch, CopySink sink) throws SQLException {
    CopyFormat used = format;
    if (used == null) {
      used = BinaryRowEncoder.forTable(c, table, columnNames);
      format = used;
    }
    boolean autoCommit = c.getAutoCommit();
    Throwable failure = null;
    if (staging != null && autoCommit) {
      c.setAutoCommit(false); // the staging table's rows and the insert from it are one transaction
    }
    try {
      if (!send(c, batch, used, sink)) {
        if (!c.getAutoCommit()) {
          c.rollback(); // the cancelled COPY aborted the transaction
        }
        used = CopyRowEncoder.INSTANCE;
        send(c, batch, used, sink);
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (Throwable e) {
      failure = e;
      if (staging != null) {
        rollbackQuietly(c);
      }
      throw e;
    } finally {
      restoreAutoCommit(c, autoCommit, failure);
    }
    lastBatchBinary = used instanceof BinaryRowEncoder;
  }

  /**
   * Puts the session's autocommit back as the pool lent it. After a failed copy the restore often
   * fails too (the connection is gone); the copy's failure is the one that says what happened, so
   * the restore's is attached to it instead of replacing it. After a copy that committed, a failed
   * restore is only logged: the rows are in the table, and failing the batch would send them again
   * (twice into a table without a key); the pool resets or drops the session.
   */
  private void restoreAutoCommit(Connection c, boolean autoCommit, Throwable failure) {
    try {
      if (c.getAutoCommit() != autoCommit) {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException | RuntimeException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        LOG.warn("writer {}: batch written, but restoring the session's autocommit failed: {}", name, e.toString());
      }
    }
  }

  private void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      LOG.debug("writer {}: rollback after a failed batch failed too: {}", name, e.toString());
    }
  }

  /**
   * Sends {@code batch} in {@code copyFormat}: one COPY into the table, or with a conflict key, into
   * the staging table and from there into the table, skipping the rows whose key is there.
   *
   * @return false, with the COPY cancelled, when a value has no exact form in that format
   */
  private boolean send(Connection c, List<Object[]> batch, CopyFormat copyFormat, CopySink sink)
      throws SQLException {
    if (staging == null) {
      return send(c, copySql, batch, copyFormat, sink);
    }
    try (Statement s = c.createStatement()) {
      s.execute(staging.create());
      try {
        return sendThroughStaging(c, s, batch, copyFormat, sink);
      } catch (SQLException e) {
        if (!Staging.isOlderThanTheTable(e)) {
          throw e;
        }
        // Made on this pooled session before an ALTER TABLE of a written column: made again.
        LOG.info("writer {}: remaking the staging table of this session: {}", name, e.toString());
        c.rollback();
        s.execute(staging.drop());
        s.execute(staging.create());
        return sendThroughStaging(c, s, batch, copyFormat, sink);
      }
    }
  }

  private boolean sendThroughStaging(
      Connection c, Statement s, List<Object[]> batch, CopyFormat copyFormat, CopySink sink)
      throws SQLException {
    if (!send(c, staging.copy(), batch, copyFormat, sink)) {
      return false;
    }
    s.executeUpdate(staging.insert());
    return true;
  }

  /**
   * Sends {@code batch} in one COPY in {@code copyFormat}.
   *
   * @return false, with the COPY cancelled, when a value has no exact form in that format
   */
  private boolean send(
      Connection c, String copySql, List<Object[]> batch, CopyFormat copyFormat, CopySink sink)
      throws SQLException {
    CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql + copyFormat.options());
    try {
      sink.start(copy);
      copyFormat.begin(sink);
      for (Object[] row : batch) {
        boolean encoded;
        try {
          encoded = copyFormat.row(row, sink);
        } catch (RuntimeException e) {
          // A value the encoder cannot write (a date beyond int range, say) is the row's fault:
          // reported as a data exception, so that the row is set aside rather than retried.
          throw new SQLDataException("could not encode a row: " + e, "22000", e);
        }
        if (!encoded) {
          return false;
        }
      }
      copyFormat.end(sink);
      sink.drain();
      copy.endCopy();
      return true;
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  /**
   * The statements of a batch written through a staging table: a temporary table of the session
   * with the written columns of the table, typed as there and with no constraint (created once per
   * connection, emptied at each commit), the COPY into it, and the insert from it that skips rows
   * whose key is in the table already.
   */
  private record Staging(String create, String drop, String copy, String insert) {
    static Staging of(String tableName, String name, String table, String columns, List<String> key) {
      // Per session, so one per pooled connection; named after the qualified table and the written
      // columns (another writer of the table on the same pool may write others), within 63 chars.
      // Only the written columns and no constraint: a column the writer leaves to the table (an
      // identity, a NOT NULL default) must not be required of the staging rows.
      String temp = "pg_temp." + Checks.quote(
          "hp_" + tableName + "_" + String.format("%08x", (name + " (" + columns + ")").hashCode()));
      return new Staging(
          "CREATE TEMP TABLE IF NOT EXISTS " + temp + " ON COMMIT DELETE ROWS AS SELECT " + columns
              + " FROM " + table + " WITH NO DATA",
          "DROP TABLE IF EXISTS " + temp,
          "COPY " + temp + " (" + columns + ") FROM STDIN",
          "INSERT INTO " + table + " (" + columns + ") SELECT " + columns + " FROM " + temp
              + " ON CONFLICT (" + key.stream().map(Checks::quote).collect(Collectors.joining(", "))
              + ") DO NOTHING");
    }

    /**
     * Whether {@code e} says the staging table no longer matches the table's written columns
     * (undefined column, datatype mismatch): it was made before an ALTER TABLE.
     */
    static boolean isOlderThanTheTable(SQLException e) {
      String state = e.getSQLState();
      return "42703".equals(state) || "42804".equals(state);
    }
  }

  /**
   * Builds a {@link TimeSeriesWriter}. Setters check their argument; {@link #build()} checks the
   * combination. Each setter may be called once ({@link IllegalStateException} otherwise); {@code
   * column} adds one column per call. Not thread-safe.
   *
   * @param <R> the row type
   */
  public static final class Builder<R> {
    private final Set<String> assigned = new HashSet<>();
    private final ConnectionSpec connections = new ConnectionSpec();
    private final Map<String, Function<? super R, ?>> columns = new LinkedHashMap<>();
    private String schema = "public";
    private String table;
    private int bufferCapacity = 100_000;
    private int batchSize = 5_000;
    private int flushThreads = 1;
    private Duration flushInterval = Duration.ofMillis(200);
    private Overflow overflow = Overflow.BLOCK;
    private Duration blockTimeout = Duration.ofSeconds(5);
    private Duration backoffMin = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Duration closeTimeout = Duration.ofSeconds(30);
    private List<String> conflictKey;

    private Builder() {}

    /** Uses the host's pool, which the writer does not close. Set this or {@link #jdbcUrl}. */
    public Builder<R> dataSource(DataSource dataSource) {
      connections.dataSource(dataSource);
      return this;
    }

    /**
     * Builds a HikariCP pool for this writer, closed with it. Set this or {@link #dataSource}.
     *
     * @param jdbcUrl a {@code jdbc:postgresql:} URL; printed with passwords masked
     * @param user the user, or {@code null} to take it from the URL
     * @param password the password, or {@code null}; never printed
     */
    public Builder<R> jdbcUrl(String jdbcUrl, String user, String password) {
      connections.jdbcUrl(jdbcUrl, user, password);
      return this;
    }

    /** Longest wait for a connection from the pool built by {@link #jdbcUrl}; default 1 s. */
    public Builder<R> connectTimeout(Duration timeout) {
      Checks.unassigned(assigned, "connectTimeout");
      connections.connectTimeout(timeout);
      assigned.add("connectTimeout");
      return this;
    }

    /** The table's schema; {@code [a-z_][a-z0-9_]*}, default {@code public}. */
    public Builder<R> schema(String schema) {
      Checks.unassigned(assigned, "schema");
      this.schema = Checks.identifier(schema, "schema");
      assigned.add("schema");
      return this;
    }

    /** The table, which must exist; {@code [a-z_][a-z0-9_]*}. Required. */
    public Builder<R> table(String table) {
      Checks.unassigned(assigned, "table");
      this.table = Checks.identifier(table, "table");
      assigned.add("table");
      return this;
    }

    /**
     * Adds a column, in COPY order; at least one is required.
     *
     * @param column {@code [a-z_][a-z0-9_]*}
     * @param value the column's value in a row; may return null (SQL NULL)
     * @throws IllegalStateException when the column was added already
     */
    public Builder<R> column(String column, Function<? super R, ?> value) {
      Checks.identifier(column, "column");
      requireNonNull(value, "value");
      if (columns.containsKey(column)) {
        throw new IllegalStateException("column '" + column + "' was already added");
      }
      columns.put(column, value);
      return this;
    }

    /**
     * Rows accepted and not yet written (or refused, or dropped) at most, those waiting and those
     * in batches being sent alike: a full buffer applies the {@link Overflow} policy until a batch
     * is written. Positive, default 100,000.
     */
    public Builder<R> bufferCapacity(int rows) {
      Checks.unassigned(assigned, "bufferCapacity");
      this.bufferCapacity = Checks.positive(rows, "bufferCapacity");
      assigned.add("bufferCapacity");
      return this;
    }

    /** Rows per COPY at most, and the count that starts one; positive, default 5,000. */
    public Builder<R> batchSize(int rows) {
      Checks.unassigned(assigned, "batchSize");
      this.batchSize = Checks.positive(rows, "batchSize");
      assigned.add("batchSize");
      return this;
    }

    /**
     * Batches sent at once, each by its own thread on its own connection; positive, default 1.
     * With more than one, the server parses one batch while it commits another, and can use
     * another core; batches may then commit out of order (rows within a batch stay together).
     */
    public Builder<R> flushThreads(int threads) {
      Checks.unassigned(assigned, "flushThreads");
      this.flushThreads = Checks.positive(threads, "flushThreads");
      assigned.add("flushThreads");
      return this;
    }

    /** Longest a row waits before a (smaller) batch is sent; positive, default 200 ms. */
    public Builder<R> flushInterval(Duration interval) {
      Checks.unassigned(assigned, "flushInterval");
      this.flushInterval = Checks.positive(interval, "flushInterval");
      assigned.add("flushInterval");
      return this;
    }

    /**
     * What {@link TimeSeriesWriter#write} does when the buffer is full; default {@link
     * Overflow#BLOCK}.
     */
    public Builder<R> overflow(Overflow policy) {
      Checks.unassigned(assigned, "overflow");
      this.overflow = requireNonNull(policy, "overflow");
      assigned.add("overflow");
      return this;
    }

    /** How long {@link Overflow#BLOCK} waits for room; positive, default 5 s. */
    public Builder<R> blockTimeout(Duration timeout) {
      Checks.unassigned(assigned, "blockTimeout");
      this.blockTimeout = Checks.positive(timeout, "blockTimeout");
      assigned.add("blockTimeout");
      return this;
    }

    /** First and longest pause between retries of a failed batch; default 100 ms and 5 s. */
    public Builder<R> retryBackoff(Duration first, Duration longest) {
      Checks.unassigned(assigned, "retryBackoff");
      Checks.positive(first, "retryBackoff.first");
      Checks.positive(longest, "retryBackoff.longest");
      if (longest.compareTo(first) < 0) {
        throw new IllegalArgumentException(
            "retryBackoff.longest " + longest + " is shorter than retryBackoff.first " + first);
      }
      this.backoffMin = first;
      this.backoffMax = longest;
      assigned.add("retryBackoff");
      return this;
    }

    /** How long {@link TimeSeriesWriter#close()} keeps retrying; positive, default 30 s. */
    public Builder<R> closeTimeout(Duration timeout) {
      Checks.unassigned(assigned, "closeTimeout");
      this.closeTimeout = Checks.positive(timeout, "closeTimeout");
      assigned.add("closeTimeout");
      return this;
    }

    /**
     * Makes a row whose key is already in the table leave the table unchanged rather than be
     * refused, for tables with a unique key whose rows may be written more than once (the
     * writer's delivery is at least once; a restart or a second writer may send the same rows).
     * Each batch is COPYed into a temporary table of the session, then inserted with {@code
     * INSERT … ON CONFLICT (key) DO NOTHING} in the same transaction: a second pass over the rows
     * in the server. A duplicate within one batch is skipped the same way. {@link Stats#written()}
     * counts the rows of committed batches, skipped ones included. Off by default (plain COPY).
     *
     * <p>The temporary table has the written columns only, typed as in the table when a session
     * first writes; a session whose table has since lost a written column or changed its type to
     * one the old type cannot be assigned to makes it again. A change the old type still takes (a
     * wider {@code numeric}, {@code int} to {@code bigint}) is not seen: after such an {@code ALTER
     * TABLE}, build the writer again on a new pool.
     *
     * @param key the columns of a unique index or constraint of the table, each also added with
     *     {@link #column} (checked by {@link #build()}); {@code [a-z_][a-z0-9_]*}
     * @throws IllegalArgumentException when no column is given or one is not an identifier
     * @throws IllegalStateException when called twice
     */
    public Builder<R> onConflictDoNothing(String... key) {
      Checks.unassigned(assigned, "onConflictDoNothing");
      requireNonNull(key, "key");
      if (key.length == 0) {
        throw new IllegalArgumentException("onConflictDoNothing needs the key's columns but was given none");
      }
      for (String column : key) {
        Checks.identifier(column, "onConflictDoNothing column");
      }
      this.conflictKey = List.of(key);
      assigned.add("onConflictDoNothing");
      return this;
    }

    /**
     * A writer with these settings; starts its flusher thread.
     *
     * @throws IllegalStateException when the table, columns or connections are missing, the batch
     *     size exceeds the buffer capacity, or a conflict key column is not among the columns
     */
    public TimeSeriesWriter<R> build() {
      if (table == null) {
        throw new IllegalStateException("table must be set");
      }
      if (columns.isEmpty()) {
        throw new IllegalStateException("at least one column must be added");
      }
      if (batchSize > bufferCapacity) {
        throw new IllegalStateException(
            "batchSize " + batchSize + " exceeds bufferCapacity " + bufferCapacity);
      }
      if (conflictKey != null && !columns.keySet().containsAll(conflictKey)) {
        throw new IllegalStateException(
            "onConflictDoNothing key " + conflictKey + " has columns that are not written: the"
                + " columns are " + columns.keySet());
      }
      return new TimeSeriesWriter<>(this);
    }
  }
}
