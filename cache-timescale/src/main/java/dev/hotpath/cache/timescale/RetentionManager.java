package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.internal.BoundRegistries;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes time-series rows older than each registered table's retention, on a schedule.
 *
 * <pre>{@code
 * RetentionManager retention = RetentionManager.builder()
 *     .dataSource(hikari)
 *     .table("market", "candles_1m", "ts", Duration.ofDays(30))
 *     .table("market", "signals", "created_at", Duration.ofDays(7))
 *     .interval(Duration.ofHours(1))
 *     .build();
 * retention.start();
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #start()} starts one daemon thread, {@code hotpath-retention}, and
 * returns without a statement sent: that thread sets the tables up (below) at once, then runs
 * every {@link Builder#interval}. {@link #runNow()} runs on the caller's thread, and first sets up
 * any table not set up yet. {@link #close()} cancels what is in progress and stops the thread.
 *
 * <p><b>Setup</b>, once per table, under the table's lock (below). On plain PostgreSQL there is
 * nothing to set up: every table is cleaned by deleting its old rows in batches of {@link
 * Builder#batchSize}, each its own short transaction. When the TimescaleDB extension is installed,
 * a table that is not a hypertable is made one only as {@link Builder#createHypertables} allows:
 * by default only when it is empty, so no existing row is ever rewritten, and a table with rows
 * stays a plain table cleaned by batched deletes (a WARN says so once, naming the table and {@link
 * HypertableMode#MIGRATE_DATA}). Each hypertable gets a TimescaleDB retention policy and each run
 * drops its whole chunks older than the retention with {@code drop_chunks}; rows in a chunk that is
 * only partly old stay until the whole chunk is. The policy is a job of the server, which runs soon
 * after it is added and then daily, with cutoffs from the server's clock (not {@link
 * Builder#clock}), whether or not this manager runs. A table TimescaleDB refuses to set up (a
 * primary key without the time column, a migration past the statement timeout) is cleaned by
 * batched deletes until the manager is restarted, and does not hold up the other tables. Where the
 * setup stands is in {@link #status()} ({@link Status#setup()}, {@link Status#setupError()}, {@link
 * Status#hypertables()}) and in the metrics of {@link #bindTo}; when the server cannot be reached
 * the setup is tried again at the next run.
 *
 * <p><b>One run per table at a time.</b> Each table has its own PostgreSQL advisory lock (the
 * 64-bit FNV-1a hash of {@code hotpath:retention:<schema>.<table>}), held while the table is set up
 * or cleaned. A run takes the locks one table at a time and never waits for one: a table whose lock
 * is held, by a run in another process or node or by another manager of this process, is skipped
 * by this run and reported as such. So managers cleaning different tables of one database never
 * keep each other out, two never clean the same table at once, and no order of locking can
 * deadlock. Within one manager, a {@link #runNow()} while a run is in progress is skipped. A
 * table's failure is reported in the run and does not stop the other tables.
 *
 * <p>Thread-safe. Metrics through {@link #bindTo(MeterRegistry)}.
 */
public final class RetentionManager implements AutoCloseable, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionManager.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  /**
   * Whether {@link RetentionManager} makes registered tables hypertables when TimescaleDB is
   * installed. Tables that are hypertables already are cleaned with {@code drop_chunks} whatever
   * the mode; the others are cleaned by batched deletes. Ignored on plain PostgreSQL.
   */
  public enum HypertableMode {
    /** Converts no table. */
    NEVER,
    /**
     * The default: converts a table only while it has no row ({@code create_hypertable} without
     * {@code migrate_data}, which TimescaleDB refuses for a table with rows), so no row is ever
     * rewritten. The conversion locks the empty table for a moment.
     */
    EMPTY_TABLES_ONLY,
    /**
     * Converts every table, moving its existing rows into chunks ({@code migrate_data => TRUE}):
     * the table is locked against reads and writes until every row is rewritten, which for a large
     * table takes long and may pass the pool's statement timeout (5 s for a pool built from {@link
     * Builder#jdbcUrl}; the host's pool has its own, if any), and then it stays a plain table.
     * Runs on the manager's thread when {@link RetentionManager#start() started}, never on the
     * caller's.
     */
    MIGRATE_DATA
  }

  /** Where the setup of the registered tables stands (see the class comment). */
  public enum Setup {
    /**
     * Not every table is set up yet, and the last attempt did not fail: not tried yet, or a table's
     * lock was held by another run (that table is set up by the first run that gets it).
     */
    PENDING,
    /** The last attempt failed (see {@link Status#setupError()}); it is tried again at each run. */
    FAILED,
    /** Every table is set up; tables TimescaleDB refused are named in {@link Status#setupError()}. */
    DONE
  }

  /**
   * What one run did to one table.
   *
   * @param table {@code schema.table}
   * @param skipped true when another run held the table's lock (in this process or on another
   *     node), or the manager was closed before the table's turn; then nothing was removed
   * @param rowsRemoved rows deleted (plain tables); 0 for hypertables, whose chunks are dropped
   * @param chunksRemoved chunks dropped (hypertables); 0 for plain tables
   * @param error why the table failed, or {@code null}
   */
  public record TableResult(
      String table, boolean skipped, long rowsRemoved, long chunksRemoved, String error) {
    static TableResult skipped(String table) {
      return new TableResult(table, true, 0, 0, null);
    }
  }

  /**
   * One run.
   *
   * @param startedAt when it started, by the manager's clock
   * @param finishedAt when it ended
   * @param tables one result per registered table, in registration order
   */
  public record Run(Instant startedAt, Instant finishedAt, List<TableResult> tables) {
    public Run {
      tables = List.copyOf(tables);
    }

    /** Whether every table was skipped: the run did nothing. */
    public boolean skipped() {
      return tables.stream().allMatch(TableResult::skipped);
    }

    /** Rows removed from all tables. */
    public long rowsRemoved() {
      return tables.stream().mapToLong(TableResult::rowsRemoved).sum();
    }

    /** Whether no table failed (a skipped table did not). */
    public boolean succeeded() {
      return tables.stream().allMatch(t -> t.error() == null);
    }
  }

  /**
   * The manager's state.
   *
   * @param running whether a run is in progress in this process
   * @param lastRun the last run that was not entirely skipped, or {@code null}
   * @param nextRun when the next scheduled run starts, or {@code null} when not {@link #start()
   *     started} or closed
   * @param timescaleVersion the TimescaleDB extension's version, or {@code null} on plain
   *     PostgreSQL or before the setup reached the server
   * @param setup where the setup of the tables stands
   * @param setupError while the setup is not {@link Setup#DONE}: why its last attempt failed, if it
   *     did; otherwise which tables TimescaleDB refused to set up and why ({@code "schema.table:
   *     message; ..."}), those being cleaned by batched deletes. {@code null} when neither
   * @param hypertables the tables cleaned with {@code drop_chunks}, in registration order; the
   *     others are cleaned by batched deletes (or not set up yet)
   */
  public record Status(
      boolean running,
      Run lastRun,
      Instant nextRun,
      String timescaleVersion,
      Setup setup,
      String setupError,
      List<String> hypertables) {
    public Status {
      hypertables = List.copyOf(hypertables);
    }
  }

  /** A registered table. */
  record Registered(
      String schema, String table, String timeColumn, Duration retention, BatchedDelete delete) {
    String name() {
      return schema + "." + table;
    }

    String qualified() {
      return Checks.qualified(schema, table);
    }
  }

  private final List<Registered> tables;
  private final ConnectionSpec.Pool pool;
  private final Clock clock;
  private final Duration interval;
  private final int batchSize;
  private final int maxBatches;
  private final HypertableMode hypertableMode;
  private final RetentionSetup setup;
  private final AtomicBoolean running = new AtomicBoolean();
  private final Map<String, LongAdder> rowsRemoved = new HashMap<>();
  private final Map<String, LongAdder> chunksRemoved = new HashMap<>();
  private final Map<String, LongAdder> tablesSkipped = new HashMap<>();
  private final LongAdder skippedRuns = new LongAdder();
  private final LongAdder failedRuns = new LongAdder();
  private final BoundRegistries boundTo = new BoundRegistries();
  /** The connection each thread is setting up or cleaning on, so that close can cancel it. */
  private final Map<Thread, Connection> working = new ConcurrentHashMap<>();
  private final Object lifecycle = new Object();
  private volatile Run lastRun;
  private volatile Instant nextRun;
  private ScheduledExecutorService scheduler;
  private volatile boolean closed;

  private RetentionManager(Builder b) {
    this.tables = List.copyOf(b.tables.values());
    this.clock = b.clock;
    this.interval = b.interval;
    this.batchSize = b.batchSize;
    this.maxBatches = b.maxBatches;
    this.hypertableMode = b.hypertableMode;
    this.setup = new RetentionSetup(tables, hypertableMode, () -> closed);
    for (Registered t : tables) {
      rowsRemoved.put(t.name(), new LongAdder());
      chunksRemoved.put(t.name(), new LongAdder());
      tablesSkipped.put(t.name(), new LongAdder());
    }
    this.pool = b.connections.open("hotpath-retention");
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The name of the advisory lock that guards one table (see the class comment). */
  static String lockName(String schema, String table) {
    return "hotpath:retention:" + schema + "." + table;
  }

  /**
   * Starts the {@code hotpath-retention} thread and returns without waiting for the server: the
   * thread sets the tables up at once (see the class comment; {@link #status()} reports how that
   * went), then runs every {@link Builder#interval}, the first run one interval from now.
   * Idempotent.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public void start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the retention manager is closed");
      }
      if (scheduler != null) {
        return;
      }
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "hotpath-retention");
                t.setDaemon(true);
                return t;
              });
      // One thread: the setup, submitted first, ends before the first run starts.
      scheduler.execute(this::scheduledSetUp);
      long millis = interval.toMillis();
      nextRun = clock.instant().plus(interval);
      scheduler.scheduleAtFixedRate(this::scheduledRun, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Runs once now, on the calling thread: sets up the tables not set up yet, then cleans each
   * table whose lock is free. Skipped entirely while another run of this manager is in progress.
   *
   * @return what the run did; {@link Run#skipped()} when it cleaned no table
   * @throws PostgresException when the server cannot be reached (no connection, a lock statement
   *     failed, or a table's setup lost its connection); tables cleaned before that stay cleaned
   */
  public Run runNow() {
    Instant started = clock.instant();
    if (!running.compareAndSet(false, true)) {
      skippedRuns.increment();
      tables.forEach(t -> tablesSkipped.get(t.name()).increment());
      return new Run(started, started, tables.stream().map(t -> TableResult.skipped(t.name())).toList());
    }
    try {
      detectVersion();
      OffsetDateTime now = OffsetDateTime.ofInstant(started, ZoneOffset.UTC);
      List<TableResult> results = new ArrayList<>();
      for (Registered t : tables) {
        results.add(clean(t, now.minus(t.retention())));
      }
      setup.attemptEnded(null);
      Run run = new Run(started, clock.instant(), results);
      if (run.skipped()) {
        skippedRuns.increment();
        return run;
      }
      if (!run.succeeded()) {
        failedRuns.increment();
      }
      lastRun = run;
      return run;
    } catch (SQLException e) {
      setup.attemptEnded(e);
      failedRuns.increment();
      throw new PostgresException("retention run failed", e);
    } finally {
      running.set(false);
    }
  }

  /** The manager's state now. */
  public Status status() {
    return new Status(
        running.get(), lastRun, nextRun, setup.version(), setup.state(), setup.error(),
        setup.hypertables());
  }

  /**
   * Registers, tagged {@code table}: {@code hotpath.retention.rows} (rows deleted), {@code
   * hotpath.retention.chunks} (chunks dropped), {@code hotpath.retention.skipped} (runs that
   * skipped the table because another held its lock); and {@code hotpath.retention.runs.skipped}
   * (runs that cleaned no table), {@code hotpath.retention.runs.failed} (runs with a failed table
   * or that could not reach the server), {@code hotpath.retention.last.run} (epoch seconds of the
   * last run's end, NaN before one), {@code hotpath.retention.setup.pending} (tables not set up
   * yet) and {@code hotpath.retention.setup.failed} (setup attempts that failed, counting each
   * table TimescaleDB refused). The registry holds this manager weakly.
   *
   * <p>Once per registry: binding to a registry this manager is bound to already registers nothing;
   * binding to another registry registers there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, this::register);
  }

  private void register(MeterRegistry registry) {
    for (Registered t : tables) {
      Tags tags = Tags.of("table", t.name());
      FunctionCounter.builder("hotpath.retention.rows", rowsRemoved.get(t.name()), LongAdder::sum)
          .tags(tags)
          .baseUnit("rows")
          .register(registry);
      FunctionCounter.builder("hotpath.retention.chunks", chunksRemoved.get(t.name()), LongAdder::sum)
          .tags(tags)
          .register(registry);
      FunctionCounter.builder("hotpath.retention.skipped", tablesSkipped.get(t.name()), LongAdder::sum)
          .tags(tags)
          .register(registry);
    }
    FunctionCounter.builder("hotpath.retention.runs.skipped", skippedRuns, LongAdder::sum).register(registry);
    FunctionCounter.builder("hotpath.retention.runs.failed", failedRuns, LongAdder::sum).register(registry);
    Gauge.builder(
            "hotpath.retention.last.run",
            this,
            m -> m.lastRun == null ? Double.NaN : m.lastRun.finishedAt().getEpochSecond())
        .register(registry);
    Gauge.builder("hotpath.retention.setup.pending", this, m -> m.setup.pending()).register(registry);
    FunctionCounter.builder("hotpath.retention.setup.failed", this, m -> m.setup.failures())
        .register(registry);
  }

  /**
   * Stops the schedule, cancels the statement a setup or run is waiting on (a run on a caller's
   * thread included: its table reports the cancel as its error, and the tables after it are
   * skipped), waits for the {@code hotpath-retention} thread to end, at most 30 s, and closes the
   * pool if built here. Idempotent.
   */
  @Override
  public void close() {
    ScheduledExecutorService stopping;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      stopping = scheduler;
      nextRun = null;
    }
    if (stopping != null) {
      stopping.shutdown();
    }
    cancelWork();
    if (stopping != null) {
      try {
        if (!stopping.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("retention: the hotpath-retention thread was still busy {} after close", CLOSE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    pool.close();
  }

  @Override
  public String toString() {
    return "RetentionManager[" + tables.stream().map(t -> t.name() + "=" + t.retention()).toList()
        + ", every " + interval + ", hypertables " + hypertableMode + ", " + pool.description() + "]";
  }

  private void scheduledSetUp() {
    try {
      detectVersion();
      for (Registered t : tables) {
        if (closed) {
          return;
        }
        if (!setup.isSetUp(t)) {
          // A table another run holds is set up by the first run of this manager that gets it.
          AdvisoryLocks.tryExclusive(
              pool.dataSource(),
              lockName(t.schema(), t.table()),
              c -> tracked(c, () -> {
                setup.setUp(c, t);
                return Boolean.TRUE;
              }));
        }
      }
      setup.attemptEnded(null);
    } catch (SQLException e) {
      setup.attemptEnded(e);
      LOG.warn("retention: could not set the tables up, trying again at the next run: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("retention: setting the tables up failed: {}", e.toString());
    }
  }

  private void scheduledRun() {
    nextRun = clock.instant().plus(interval);
    try {
      Run run = runNow();
      if (!run.skipped()) {
        LOG.info("retention: removed {} rows in {}", run.rowsRemoved(), run.tables());
      }
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; the next run retries.
      LOG.warn("retention run failed: {}", e.toString());
    }
  }

  private void detectVersion() throws SQLException {
    if (setup.versionKnown() || closed) {
      return;
    }
    try (Connection c = pool.dataSource().getConnection()) {
      tracked(c, () -> {
        setup.detectVersion(c);
        return Boolean.TRUE;
      });
    }
  }

  /** Sets the table up if needed and cleans it, holding its lock; skips it if another holds it. */
  private TableResult clean(Registered t, OffsetDateTime cutoff) throws SQLException {
    Optional<TableResult> result =
        closed
            ? Optional.empty()
            : AdvisoryLocks.tryExclusive(
                pool.dataSource(),
                lockName(t.schema(), t.table()),
                c -> tracked(c, () -> {
                  setup.setUp(c, t);
                  return cleanLocked(c, t, cutoff);
                }));
    if (result.isEmpty()) {
      tablesSkipped.get(t.name()).increment();
    }
    return result.orElseGet(() -> TableResult.skipped(t.name()));
  }

  private TableResult cleanLocked(Connection c, Registered t, OffsetDateTime cutoff) {
    try {
      if (setup.isHypertable(t)) {
        long chunks = TimescaleSql.dropChunks(c, t.qualified(), cutoff);
        chunksRemoved.get(t.name()).add(chunks);
        return new TableResult(t.name(), false, 0, chunks, null);
      }
      long rows = t.delete().run(c, cutoff, batchSize, maxBatches);
      rowsRemoved.get(t.name()).add(rows);
      return new TableResult(t.name(), false, rows, 0, null);
    } catch (SQLException e) {
      LOG.warn("retention: cleaning {} failed: {}", t.name(), e.toString());
      return new TableResult(t.name(), false, 0, 0, e.getMessage());
    }
  }

  /** Work on one connection that {@link #close()} may cancel. */
  @FunctionalInterface
  private interface Step<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code step} with {@code c} registered for {@link #cancelWork()}; returns {@code null}
   * without running it once the manager is closed (a lock's work then counts as skipped).
   */
  private <T> T tracked(Connection c, Step<T> step) throws SQLException {
    Thread self = Thread.currentThread();
    synchronized (working) {
      working.put(self, c);
    }
    try {
      // Checked after registering: close sets closed before it cancels what is registered.
      return closed ? null : step.run();
    } finally {
      synchronized (working) {
        working.remove(self);
      }
    }
  }

  /**
   * Cancels the statement each registered connection is running. Under the monitor that
   * unregisters them, so a connection already handed back to the host's pool is never cancelled.
   */
  private void cancelWork() {
    synchronized (working) {
      for (Connection c : working.values()) {
        try {
          c.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
          LOG.debug("retention: could not cancel a statement at close: {}", e.toString());
        }
      }
    }
  }

  /**
   * Builds a {@link RetentionManager}. Setters check their argument; {@link #build()} checks the
   * combination. Each setter may be called once ({@link IllegalStateException} otherwise); {@code
   * table} registers one table per call. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private final ConnectionSpec connections = new ConnectionSpec();
    private final Map<String, Registered> tables = new LinkedHashMap<>();
    private Duration interval = Duration.ofHours(1);
    private int batchSize = 10_000;
    private int maxBatches = 10_000;
    private HypertableMode hypertableMode = HypertableMode.EMPTY_TABLES_ONLY;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Uses the host's pool, which the manager does not close. Set this or {@link #jdbcUrl}. */
    public Builder dataSource(javax.sql.DataSource dataSource) {
      connections.dataSource(dataSource);
      return this;
    }

    /**
     * Builds a HikariCP pool for the manager, closed with it. Set this or {@link #dataSource}.
     *
     * @param jdbcUrl a {@code jdbc:postgresql:} URL; printed with passwords masked
     * @param user the user, or {@code null} to take it from the URL
     * @param password the password, or {@code null}; never printed
     */
    public Builder jdbcUrl(String jdbcUrl, String user, String password) {
      connections.jdbcUrl(jdbcUrl, user, password);
      return this;
    }

    /**
     * Registers a table whose rows older than {@code retention} (by {@code timeColumn}, of type
     * {@code timestamptz} or {@code timestamp}) are removed.
     *
     * @param schema, table, timeColumn {@code [a-z_][a-z0-9_]*}
     * @param retention positive
     * @throws IllegalArgumentException for an invalid name or a retention that is not positive
     * @throws IllegalStateException when the table was registered already
     */
    public Builder table(String schema, String table, String timeColumn, Duration retention) {
      Checks.identifier(schema, "schema");
      Checks.identifier(table, "table");
      Checks.identifier(timeColumn, "timeColumn");
      Checks.positive(retention, "retention of " + schema + "." + table);
      String name = schema + "." + table;
      if (tables.containsKey(name)) {
        throw new IllegalStateException("table " + name + " was already registered");
      }
      String qualified = Checks.qualified(schema, table);
      tables.put(
          name,
          new Registered(
              schema, table, timeColumn, retention,
              BatchedDelete.ofAnyTimestamp(qualified, timeColumn)));
      return this;
    }

    /** Time between scheduled runs; positive, default 1 h. */
    public Builder interval(Duration interval) {
      Checks.unassigned(assigned, "interval");
      this.interval = Checks.positive(interval, "interval");
      assigned.add("interval");
      return this;
    }

    /** Rows deleted per transaction from a plain table; positive, default 10,000. */
    public Builder batchSize(int rows) {
      Checks.unassigned(assigned, "batchSize");
      this.batchSize = Checks.positive(rows, "batchSize");
      assigned.add("batchSize");
      return this;
    }

    /** Batches per table and run at most (the rest waits for the next run); default 10,000. */
    public Builder maxBatches(int batches) {
      Checks.unassigned(assigned, "maxBatches");
      this.maxBatches = Checks.positive(batches, "maxBatches");
      assigned.add("maxBatches");
      return this;
    }

    /**
     * On TimescaleDB, which registered tables that are not hypertables are made hypertables;
     * default {@link HypertableMode#EMPTY_TABLES_ONLY}, which never rewrites a row. Only {@link
     * HypertableMode#MIGRATE_DATA} converts a table that has rows.
     *
     * @throws NullPointerException when {@code mode} is null
     */
    public Builder createHypertables(HypertableMode mode) {
      Checks.unassigned(assigned, "createHypertables");
      this.hypertableMode = requireNonNull(mode, "createHypertables");
      assigned.add("createHypertables");
      return this;
    }

    /** The clock that sets the cutoff of each run; default UTC system clock. */
    public Builder clock(Clock clock) {
      Checks.unassigned(assigned, "clock");
      this.clock = requireNonNull(clock, "clock");
      assigned.add("clock");
      return this;
    }

    /**
     * A manager with these settings; {@link RetentionManager#start()} schedules it. Sends no
     * statement (a pool built from {@link #jdbcUrl} connects in the background).
     *
     * @throws IllegalStateException when no table is registered, a retention is shorter than the
     *     interval (rows would outlive it by more than the retention itself), or connections are
     *     missing
     */
    public RetentionManager build() {
      if (tables.isEmpty()) {
        throw new IllegalStateException("at least one table must be registered");
      }
      for (Registered t : tables.values()) {
        if (t.retention().compareTo(interval) < 0) {
          throw new IllegalStateException(
              "retention " + t.retention() + " of " + t.name() + " is shorter than the interval "
                  + interval + " between runs");
        }
      }
      return new RetentionManager(this);
    }
  }
}
