package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
 * <p><b>TimescaleDB</b> is detected when the manager prepares (at {@link #start()} or the first run,
 * holding the run lock described below). Then each registered table is made a hypertable on its
 * time column (unless {@link Builder#createHypertables} is off), gets a TimescaleDB retention
 * policy, and each run drops its whole chunks older than the retention with {@code drop_chunks};
 * rows in a chunk that is only partly old stay until the whole chunk is. The policy is a job of the
 * server, which runs soon after it is added and then daily, with cutoffs from the server's clock
 * (not {@link Builder#clock}), whether or not this manager runs. <b>On plain PostgreSQL</b> each run deletes the old
 * rows in batches of {@link Builder#batchSize}, each its own short transaction.
 *
 * <p><b>One run at a time</b>: a run that finds another in progress, in this process or on another
 * node (a PostgreSQL advisory lock), is skipped and reported as such. A table's failure is
 * reported in the run and does not stop the other tables.
 *
 * <p>Thread-safe. Metrics through {@link #bindTo(MeterRegistry)}.
 */
public final class RetentionManager implements AutoCloseable, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionManager.class);
  static final String LOCK_NAME = "hotpath:retention";

  /**
   * What one run did to one table.
   *
   * @param table {@code schema.table}
   * @param rowsRemoved rows deleted (plain PostgreSQL); 0 for hypertables, whose chunks are dropped
   * @param chunksRemoved chunks dropped (TimescaleDB); 0 on plain PostgreSQL
   * @param error why the table failed, or {@code null}
   */
  public record TableResult(String table, long rowsRemoved, long chunksRemoved, String error) {}

  /**
   * One run.
   *
   * @param startedAt when it started, by the manager's clock
   * @param finishedAt when it ended
   * @param skipped true when another run was in progress here or on another node; then {@code
   *     tables} is empty
   * @param tables one result per registered table, in registration order
   */
  public record Run(Instant startedAt, Instant finishedAt, boolean skipped, List<TableResult> tables) {
    public Run {
      tables = List.copyOf(tables);
    }

    /** Rows removed from all tables. */
    public long rowsRemoved() {
      return tables.stream().mapToLong(TableResult::rowsRemoved).sum();
    }

    /** Whether every table was cleaned without error (a skipped run has none). */
    public boolean succeeded() {
      return tables.stream().allMatch(t -> t.error() == null);
    }
  }

  /**
   * The manager's state.
   *
   * @param running whether a run is in progress in this process
   * @param lastRun the last run that was not skipped, or {@code null}
   * @param nextRun when the next scheduled run starts, or {@code null} when not {@link #start()
   *     started}
   * @param timescaleVersion the TimescaleDB extension's version, or {@code null} on plain
   *     PostgreSQL or before the manager prepared
   */
  public record Status(boolean running, Run lastRun, Instant nextRun, String timescaleVersion) {}

  private record Registered(
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
  private final boolean createHypertables;
  private final AtomicBoolean running = new AtomicBoolean();
  private final Map<String, LongAdder> rowsRemoved = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> chunksRemoved = new ConcurrentHashMap<>();
  private final LongAdder skippedRuns = new LongAdder();
  private final LongAdder failedRuns = new LongAdder();
  private final Object lifecycle = new Object();
  private volatile boolean prepared;
  private volatile String timescaleVersion;
  /** Tables that are hypertables, by {@code schema.table}; filled when prepared. */
  private volatile Map<String, Boolean> hypertables = Map.of();
  private volatile Run lastRun;
  private volatile Instant nextRun;
  private ScheduledExecutorService scheduler;
  private boolean closed;

  private RetentionManager(Builder b) {
    this.tables = List.copyOf(b.tables.values());
    this.clock = b.clock;
    this.interval = b.interval;
    this.batchSize = b.batchSize;
    this.maxBatches = b.maxBatches;
    this.createHypertables = b.createHypertables;
    for (Registered t : tables) {
      rowsRemoved.put(t.name(), new LongAdder());
      chunksRemoved.put(t.name(), new LongAdder());
    }
    this.pool = b.connections.open("hotpath-retention");
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Prepares the tables (see the class comment) if the server is reachable, and schedules a run
   * every {@link Builder#interval}, the first one interval from now. Idempotent.
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
      try {
        // Under the run lock, like a run: nodes starting together must not race to replace the
        // same retention policies. When another node holds it, the first run prepares instead.
        AdvisoryLocks.tryExclusive(pool.dataSource(), LOCK_NAME, this::prepare);
      } catch (SQLException e) {
        LOG.warn("retention: could not prepare the tables yet, retrying at the first run: {}", e.toString());
      }
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "hotpath-retention");
                t.setDaemon(true);
                return t;
              });
      long millis = interval.toMillis();
      nextRun = clock.instant().plus(interval);
      scheduler.scheduleAtFixedRate(this::scheduledRun, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Runs once now, in the calling thread, unless a run is in progress here or on another node.
   *
   * @return what the run did; {@link Run#skipped()} when it did not run
   * @throws PostgresException when the server cannot be reached at all
   */
  public Run runNow() {
    Instant started = clock.instant();
    if (!running.compareAndSet(false, true)) {
      skippedRuns.increment();
      return new Run(started, started, true, List.of());
    }
    try {
      // Preparing converts tables and replaces retention policies, so it too waits for the lock:
      // a run skipped because another node is running changes nothing.
      Optional<List<TableResult>> results =
          AdvisoryLocks.tryExclusive(
              pool.dataSource(),
              LOCK_NAME,
              c -> {
                prepare(c);
                return cleanAll(c);
              });
      if (results.isEmpty()) {
        skippedRuns.increment();
        return new Run(started, clock.instant(), true, List.of());
      }
      Run run = new Run(started, clock.instant(), false, results.get());
      if (!run.succeeded()) {
        failedRuns.increment();
      }
      lastRun = run;
      return run;
    } catch (SQLException e) {
      failedRuns.increment();
      throw new PostgresException("retention run failed", e);
    } finally {
      running.set(false);
    }
  }

  /** The manager's state now. */
  public Status status() {
    return new Status(running.get(), lastRun, nextRun, timescaleVersion);
  }

  /**
   * Registers {@code hotpath.retention.rows} and {@code hotpath.retention.chunks} per {@code
   * table}, {@code hotpath.retention.runs.skipped}, {@code hotpath.retention.runs.failed}, and
   * {@code hotpath.retention.last.run} (epoch seconds of the last run's end, NaN before one).
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    for (Registered t : tables) {
      Tags tags = Tags.of("table", t.name());
      FunctionCounter.builder("hotpath.retention.rows", rowsRemoved.get(t.name()), LongAdder::sum)
          .tags(tags)
          .baseUnit("rows")
          .register(registry);
      FunctionCounter.builder("hotpath.retention.chunks", chunksRemoved.get(t.name()), LongAdder::sum)
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
  }

  /**
   * Stops the schedule (a run in progress finishes, waiting up to 30 s) and closes the pool if
   * built here. Idempotent.
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
      try {
        stopping.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    pool.close();
  }

  @Override
  public String toString() {
    return "RetentionManager[" + tables.stream().map(t -> t.name() + "=" + t.retention()).toList()
        + ", every " + interval + ", " + pool.description() + "]";
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

  /** Detects TimescaleDB and sets up the tables once; the caller holds the run lock. */
  private synchronized Boolean prepare(Connection c) throws SQLException {
    if (prepared) {
      return true;
    }
    String version = TimescaleSql.version(c);
    Map<String, Boolean> found = new LinkedHashMap<>();
    for (Registered t : tables) {
      boolean hyper = false;
      if (version != null) {
        try {
          if (createHypertables) {
            TimescaleSql.ensureHypertable(c, t.qualified(), t.timeColumn());
          }
          hyper = TimescaleSql.isHypertable(c, t.schema(), t.table());
          if (hyper) {
            TimescaleSql.setRetentionPolicy(c, t.qualified(), t.retention());
          }
        } catch (SQLException e) {
          if (PostgresException.isConnectionFailure(e)) {
            throw e; // nothing was decided: the next run prepares again
          }
          // One table the server will not convert (a primary key without the time column, a
          // migration past the statement timeout, a table not created yet) must not keep the
          // others from being cleaned: it is cleaned by batched deletes (or drop_chunks, if it
          // is a hypertable already) until the manager is restarted.
          LOG.warn(
              "retention: could not prepare {} for TimescaleDB, cleaning it as a {}: {}",
              t.name(), hyper ? "hypertable without a retention policy" : "plain table",
              e.toString());
        }
      }
      found.put(t.name(), hyper);
    }
    timescaleVersion = version;
    hypertables = Map.copyOf(found);
    prepared = true;
    return true;
  }

  private List<TableResult> cleanAll(Connection c) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    List<TableResult> results = new ArrayList<>();
    for (Registered t : tables) {
      OffsetDateTime cutoff = now.minus(t.retention());
      try {
        if (hypertables.getOrDefault(t.name(), false)) {
          long chunks = TimescaleSql.dropChunks(c, t.qualified(), cutoff);
          chunksRemoved.get(t.name()).add(chunks);
          results.add(new TableResult(t.name(), 0, chunks, null));
        } else {
          long rows = t.delete().run(c, cutoff, batchSize, maxBatches);
          rowsRemoved.get(t.name()).add(rows);
          results.add(new TableResult(t.name(), rows, 0, null));
        }
      } catch (SQLException e) {
        LOG.warn("retention: cleaning {} failed: {}", t.name(), e.toString());
        results.add(new TableResult(t.name(), 0, 0, e.getMessage()));
      }
    }
    return results;
  }

  /**
   * The TimescaleDB statements. Every name is a parameter cast to {@code regclass}/{@code name} or
   * a checked and quoted identifier.
   */
  static final class TimescaleSql {
    private TimescaleSql() {}

    /** The installed TimescaleDB version, or {@code null} on plain PostgreSQL. */
    static String version(Connection c) throws SQLException {
      try (PreparedStatement ps =
              c.prepareStatement("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }

    static void ensureHypertable(Connection c, String table, String timeColumn) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT create_hypertable(?::regclass, ?::name, if_not_exists => TRUE,"
                  + " migrate_data => TRUE)")) {
        ps.setString(1, table);
        ps.setString(2, timeColumn);
        ps.execute();
      }
    }

    static boolean isHypertable(Connection c, String schema, String table) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT 1 FROM timescaledb_information.hypertables"
                  + " WHERE hypertable_schema = ? AND hypertable_name = ?")) {
        ps.setString(1, schema);
        ps.setString(2, table);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    }

    /** Replaces the table's TimescaleDB retention policy, so a changed retention takes effect. */
    static void setRetentionPolicy(Connection c, String table, Duration retention) throws SQLException {
      try (PreparedStatement remove =
              c.prepareStatement("SELECT remove_retention_policy(?::regclass, if_exists => TRUE)");
          PreparedStatement add =
              c.prepareStatement(
                  "SELECT add_retention_policy(?::regclass, ? * interval '1 millisecond')")) {
        remove.setString(1, table);
        remove.execute();
        add.setString(1, table);
        add.setLong(2, retention.toMillis());
        add.execute();
      }
    }

    static long dropChunks(Connection c, String table, OffsetDateTime cutoff) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(*) FROM drop_chunks(?::regclass, older_than => ?::timestamptz)")) {
        ps.setString(1, table);
        ps.setObject(2, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
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
    private boolean createHypertables = true;
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
      Checks.once(assigned, "interval");
      this.interval = Checks.positive(interval, "interval");
      return this;
    }

    /** Rows deleted per transaction on plain PostgreSQL; positive, default 10,000. */
    public Builder batchSize(int rows) {
      Checks.once(assigned, "batchSize");
      this.batchSize = Checks.positive(rows, "batchSize");
      return this;
    }

    /** Batches per table and run at most (the rest waits for the next run); default 10,000. */
    public Builder maxBatches(int batches) {
      Checks.once(assigned, "maxBatches");
      this.maxBatches = Checks.positive(batches, "maxBatches");
      return this;
    }

    /**
     * On TimescaleDB, whether registered tables that are not hypertables are made hypertables
     * (with {@code migrate_data}, which rewrites existing rows); default true. When off, such
     * tables are cleaned by batched deletes.
     */
    public Builder createHypertables(boolean create) {
      Checks.once(assigned, "createHypertables");
      this.createHypertables = create;
      return this;
    }

    /** The clock that sets the cutoff of each run; default UTC system clock. */
    public Builder clock(Clock clock) {
      Checks.once(assigned, "clock");
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * A manager with these settings; {@link RetentionManager#start()} schedules it.
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
