package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.internal.BoundRegistries;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shared cache tier in a PostgreSQL table: one row per (namespace, key), holding the versioned
 * payload the cache encodes ({@code bytea}), when it expires and when it was written.
 *
 * <pre>{@code
 * PostgresTier postgres = PostgresTier.builder().dataSource(hikari).schema("hotpath").build();
 * TieredCache cache = TieredCache.builder().tier(postgres).namespace(symbols).build();
 * }</pre>
 *
 * <p><b>Schema.</b> {@link Builder#build()} creates the schema and table, or migrates them to the
 * current version; concurrent starts on several nodes are safe (an advisory lock serialises them).
 * The table is a plain table, not a hypertable: a cache needs its key unique, and a hypertable
 * cannot have a unique index without its time column. If the server is unreachable at build, the
 * tier starts anyway and migrates on first contact.
 *
 * <p><b>Reads and writes.</b> Parameterized statements only; bulk reads are one {@code = ANY(?)}
 * query, bulk writes one {@code INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE}. Expired
 * rows are never returned; an expiry sweep deletes them in bounded batches, on one node at a time.
 *
 * <p><b>Outages.</b> Operations throw {@link PostgresException} when the server fails; the cache
 * counts that and serves a miss. After a connection failure the tier fails at once for {@link
 * Builder#retryAfter} rather than waiting on every call, then probes again: recovery is automatic.
 * With a pool built from a JDBC URL, connecting waits at most {@link Builder#connectTimeout} and a
 * statement at most {@link Builder#statementTimeout}; with a host's {@code DataSource}, configure
 * the equivalent timeouts on that pool.
 *
 * <p>Thread-safe. Metrics through {@link #bindTo(MeterRegistry)}.
 */
public final class PostgresTier implements Tier, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTier.class);
  private static final Pattern TIER_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  /** Expiry is kept to the millisecond (the clock's resolution); shorter TTLs cannot be honoured. */
  static final Duration MIN_TTL = Duration.ofMillis(1);
  /**
   * The longest key (UTF-8 bytes) the table's primary key index takes whatever the key holds: a
   * B-tree row is at most 2,704 bytes on 8 KiB pages, and holds the namespace (up to 64 bytes)
   * and the key beside headers; measured on PostgreSQL 14, a key of 2,624 random bytes beside a
   * 64-byte namespace fits and one of 2,632 does not. Larger keys that compress well would fit,
   * random ones would not, so a namespace may not promise them ({@code NamespaceSpec#maxKeySize}).
   */
  public static final int MAX_KEY_SIZE = 2560;

  private final String name;
  private final String schema;
  private final String table;
  private final boolean unlogged;
  private final ConnectionSpec.Pool pool;
  private final Clock clock;
  private final OutageGuard guard;
  private final int sweepBatchSize;
  private final int sweepMaxBatches;
  private final Duration sweepInterval;
  private final CacheTableSql sql;
  private final BatchedDelete sweepDelete;
  private final ScheduledExecutorService sweeper;
  private final LongAdder sweptRows = new LongAdder();
  private final LongAdder sweepFailures = new LongAdder();
  private final BoundRegistries boundTo = new BoundRegistries();
  private volatile boolean schemaReady;

  private PostgresTier(Builder b) {
    this.name = b.name;
    this.schema = b.schema;
    this.table = b.table;
    this.unlogged = b.unlogged;
    this.clock = b.clock;
    this.sweepBatchSize = b.sweepBatchSize;
    this.sweepMaxBatches = b.sweepMaxBatches;
    this.sweepInterval = b.sweepInterval;
    this.guard = new OutageGuard("tier '" + name + "'", clock, b.retryAfter);
    String qualified = Checks.qualified(schema, table);
    this.sql = new CacheTableSql(qualified);
    this.sweepDelete = new BatchedDelete(qualified, "expires_at");
    this.pool = b.connections.open("hotpath-" + name);
    this.sweeper = sweepInterval.isZero() ? null : startSweeper();
  }

  /** A new builder; one builder makes any number of tiers. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Opens this tier for one namespace.
   *
   * @throws IllegalArgumentException when the namespace's TTL for this tier is under 1 ms, or its
   *     {@code maxKeySize} is over {@link #MAX_KEY_SIZE}
   */
  @Override
  public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
    requireNonNull(binding, "binding");
    if (binding.ttl().compareTo(MIN_TTL) < 0) {
      throw new IllegalArgumentException(
          "namespace '" + binding.namespace() + "': ttl for tier '" + name + "' must be at least "
              + MIN_TTL + " but was " + binding.ttl());
    }
    if (binding.spec().maxKeySize() > MAX_KEY_SIZE) {
      throw new IllegalArgumentException(
          "namespace '" + binding.namespace() + "': maxKeySize must be at most " + MAX_KEY_SIZE
              + " bytes for tier '" + name + "' (what a PostgreSQL index row holds) but was "
              + binding.spec().maxKeySize());
    }
    return new PostgresTierStore<>(this, binding);
  }

  /**
   * Deletes the expired rows of every namespace now, in batches of {@link Builder#sweepBatchSize},
   * unless another node is sweeping this table at the moment. The tier also does this on its own
   * every {@link Builder#sweepInterval}.
   *
   * @return the number of rows this call deleted; 0 when another node was sweeping
   * @throws PostgresException when the server fails
   */
  public long sweepExpired() {
    guard.check();
    ensureSchema();
    OffsetDateTime now = now();
    try {
      long rows =
          AdvisoryLocks.tryExclusive(
                  pool.dataSource(),
                  "hotpath:sweep:" + schema + "." + table,
                  c -> sweepDelete.run(c, now, sweepBatchSize, sweepMaxBatches))
              .orElse(0L);
      guard.succeeded();
      sweptRows.add(rows);
      return rows;
    } catch (SQLException e) {
      sweepFailures.increment();
      throw guard.failed("sweep", e);
    }
  }

  /**
   * Registers: {@code hotpath.postgres.tier.swept} (rows the sweep deleted), {@code
   * hotpath.postgres.tier.failures} (operations that failed), {@code
   * hotpath.postgres.tier.rejected} (calls refused while the server was unreachable), {@code
   * hotpath.postgres.tier.available} (0 while the breaker is open), tagged {@code tier} and {@code
   * table}. The registry holds this tier weakly.
   *
   * <p>Once per registry: binding to a registry this tier is bound to already registers nothing,
   * so several caches that share this tier may each bind it; binding to another registry registers
   * there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, this::register);
  }

  private void register(MeterRegistry registry) {
    Tags tags = Tags.of("tier", name, "table", schema + "." + table);
    FunctionCounter.builder("hotpath.postgres.tier.swept", this, t -> t.sweptRows.sum())
        .tags(tags)
        .baseUnit("rows")
        .register(registry);
    FunctionCounter.builder("hotpath.postgres.tier.failures", guard, OutageGuard::failures)
        .tags(tags)
        .register(registry);
    FunctionCounter.builder("hotpath.postgres.tier.rejected", guard, OutageGuard::rejected)
        .tags(tags)
        .register(registry);
    Gauge.builder("hotpath.postgres.tier.available", guard, g -> g.isOpen() ? 0 : 1)
        .tags(tags)
        .register(registry);
  }

  /**
   * Whether calls fail at once now because the server was unreachable (see "Outages" above); the
   * next probe that gets through closes it. For health checks. Thread-safe.
   */
  public boolean isCircuitOpen() {
    return guard.isOpen();
  }

  /** Stops the sweep and closes the pool if this tier built it. Idempotent; never throws. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
    try {
      pool.close();
    } catch (RuntimeException e) {
      LOG.warn("tier '{}': closing its pool failed: {}", name, e.toString());
    }
  }

  @Override
  public String toString() {
    return "PostgresTier[" + name + ", table=" + schema + "." + table + (unlogged ? " (unlogged)" : "")
        + ", " + pool.description() + "]";
  }

  // ---- used by PostgresTierStore ----

  DataSource dataSource() {
    return pool.dataSource();
  }

  CacheTableSql sql() {
    return sql;
  }

  OutageGuard guard() {
    return guard;
  }

  OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /**
   * Migrates on first contact when the server was unreachable at build. Callers pass {@link
   * OutageGuard#check()} first.
   */
  void ensureSchema() {
    if (schemaReady) {
      return;
    }
    try {
      migrate();
      guard.succeeded();
    } catch (SQLException e) {
      throw guard.failed("schema migration", e);
    }
  }

  private synchronized void migrate() throws SQLException {
    if (schemaReady) {
      return;
    }
    SchemaMigrator.migrate(pool.dataSource(), schema, "cache:" + table, migrations());
    schemaReady = true;
  }

  private List<SchemaMigrator.Migration> migrations() {
    String qualified = Checks.qualified(schema, table);
    return List.of(
        new SchemaMigrator.Migration(
            1,
            "cache table",
            List.of(
                "CREATE " + (unlogged ? "UNLOGGED " : "") + "TABLE " + qualified
                    + " (namespace text NOT NULL, key text NOT NULL, value bytea NOT NULL,"
                    + " expires_at timestamptz NOT NULL, written_at timestamptz NOT NULL,"
                    + " PRIMARY KEY (namespace, key))",
                "CREATE INDEX " + Checks.quote(table + "_expires_at") + " ON " + qualified
                    + " (expires_at)")));
  }

  private ScheduledExecutorService startSweeper() {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "hotpath-" + name + "-sweep");
              t.setDaemon(true);
              return t;
            });
    long millis = sweepInterval.toMillis();
    executor.scheduleWithFixedDelay(this::scheduledSweep, millis, millis, TimeUnit.MILLISECONDS);
    return executor;
  }

  private void scheduledSweep() {
    try {
      long rows = sweepExpired();
      LOG.debug("tier '{}': swept {} expired rows", name, rows);
    } catch (RuntimeException e) {
      // The next run retries; a periodic task that throws would never run again.
      LOG.warn("tier '{}': expiry sweep failed: {}", name, e.toString());
    }
  }

  private void migrateAtBuild(ConnectionSpec connections) {
    try {
      migrate();
    } catch (SQLException e) {
      SQLException refusal = PostgresException.refusal(e);
      if (refusal != null) {
        close();
        throw refused(connections, refusal, e);
      }
      if (!PostgresException.isConnectionFailure(e)) {
        close();
        throw new IllegalStateException(
            "tier '" + name + "': cannot create or migrate " + schema + "." + table + ": "
                + e.getMessage(),
            e);
      }
      LOG.warn(
          "tier '{}': PostgreSQL unreachable at start ({}); the schema is migrated on first contact",
          name, e.getMessage());
    }
  }

  /**
   * The build's error for a refused login or privilege: what was refused, as whom, where; never the
   * password (the server's messages do not carry it).
   */
  private PostgresException refused(ConnectionSpec connections, SQLException refusal, SQLException failure) {
    String user = connections.user();
    String server = connections.server() != null ? connections.server() : pool.description();
    return new PostgresException(
        "tier '" + name + "': PostgreSQL at " + server + " refused "
            + (user != null ? "user '" + user + "'" : "the connection") + ": "
            + PostgresException.whatWasRefused(refusal.getSQLState()) + " (SQLSTATE " + refusal.getSQLState() + ", "
            + refusal.getMessage() + "). This is a configuration error, not an outage: check the user, password,"
            + " database and grants",
        refusal,
        failure);
  }

  /**
   * Builds a {@link PostgresTier}. Setters check their argument at once; {@link #build()} checks
   * the combination. Each setter may be called once ({@link IllegalStateException} otherwise). Not
   * thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private final ConnectionSpec connections = new ConnectionSpec();
    private String name = "postgres";
    private String schema = "hotpath";
    private String table = "hotpath_cache";
    private boolean unlogged;
    private Duration sweepInterval = Duration.ofMinutes(1);
    private int sweepBatchSize = 1000;
    private int sweepMaxBatches = 1000;
    private Duration retryAfter = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Uses the host's pool. The tier does not close it. Set this or {@link #jdbcUrl}. A HikariCP
     * pool that may start without its server ({@code initializationFailTimeout} below 0) should
     * state a transaction isolation level: otherwise a connection lost during its first setup
     * makes HikariCP refuse every later one (HikariCP issue #1944); the pools this module builds
     * do so.
     *
     * @throws IllegalStateException when a data source or URL was set already
     */
    public Builder dataSource(DataSource dataSource) {
      connections.dataSource(dataSource);
      return this;
    }

    /**
     * Builds a HikariCP pool for this tier, closed with it. Set this or {@link #dataSource}.
     *
     * @param jdbcUrl a {@code jdbc:postgresql:} URL; never null. Printed with passwords masked.
     * @param user the user, or {@code null} to take it from the URL
     * @param password the password, or {@code null}; never printed
     * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL
     * @throws IllegalStateException when a data source or URL was set already
     */
    public Builder jdbcUrl(String jdbcUrl, String user, String password) {
      connections.jdbcUrl(jdbcUrl, user, password);
      return this;
    }

    /** Longest wait for a connection from the pool built by {@link #jdbcUrl}; ≥ 250 ms, default 1 s. */
    public Builder connectTimeout(Duration timeout) {
      Checks.unassigned(assigned, "connectTimeout");
      connections.connectTimeout(timeout);
      assigned.add("connectTimeout");
      return this;
    }

    /** Longest a statement may run on the pool built by {@link #jdbcUrl}; default 5 s. */
    public Builder statementTimeout(Duration timeout) {
      Checks.unassigned(assigned, "statementTimeout");
      connections.statementTimeout(timeout);
      assigned.add("statementTimeout");
      return this;
    }

    /** Connections of the pool built by {@link #jdbcUrl}; positive, default 4. */
    public Builder poolSize(int size) {
      Checks.unassigned(assigned, "poolSize");
      connections.poolSize(size);
      assigned.add("poolSize");
      return this;
    }

    /**
     * The tier's name in TTL profiles, stats and metrics; {@code [a-z][a-z0-9_-]{0,31}}, default
     * {@code "postgres"}.
     */
    public Builder name(String name) {
      Checks.unassigned(assigned, "name");
      requireNonNull(name, "name");
      if (!TIER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name must match " + TIER_NAME.pattern() + " but was '" + name + "'");
      }
      this.name = name;
      assigned.add("name");
      return this;
    }

    /** The schema of the table, created if missing; {@code [a-z_][a-z0-9_]*}, default {@code hotpath}. */
    public Builder schema(String schema) {
      Checks.unassigned(assigned, "schema");
      this.schema = Checks.identifier(schema, "schema");
      assigned.add("schema");
      return this;
    }

    /** The table; {@code [a-z_][a-z0-9_]*}, default {@code hotpath_cache}. */
    public Builder table(String table) {
      Checks.unassigned(assigned, "table");
      this.table = Checks.identifier(table, "table");
      assigned.add("table");
      return this;
    }

    /**
     * Creates the table {@code UNLOGGED}: faster writes, emptied after a server crash and not
     * replicated, which suits a cache. Applies when the table is created. Default false.
     */
    public Builder unlogged(boolean unlogged) {
      Checks.unassigned(assigned, "unlogged");
      this.unlogged = unlogged;
      assigned.add("unlogged");
      return this;
    }

    /** How often expired rows are deleted; {@link Duration#ZERO} turns the sweep off. Default 1 min. */
    public Builder sweepInterval(Duration interval) {
      Checks.unassigned(assigned, "sweepInterval");
      requireNonNull(interval, "sweepInterval");
      this.sweepInterval =
          interval.isZero() ? interval : Checks.atLeast(interval, Duration.ofMillis(1), "sweepInterval");
      assigned.add("sweepInterval");
      return this;
    }

    /** Rows deleted per sweep transaction; positive, default 1000. */
    public Builder sweepBatchSize(int rows) {
      Checks.unassigned(assigned, "sweepBatchSize");
      this.sweepBatchSize = Checks.positive(rows, "sweepBatchSize");
      assigned.add("sweepBatchSize");
      return this;
    }

    /** Batches one sweep runs at most (the rest waits for the next); positive, default 1000. */
    public Builder sweepMaxBatches(int batches) {
      Checks.unassigned(assigned, "sweepMaxBatches");
      this.sweepMaxBatches = Checks.positive(batches, "sweepMaxBatches");
      assigned.add("sweepMaxBatches");
      return this;
    }

    /** How long calls fail at once after a connection failure before one probes; default 1 s. */
    public Builder retryAfter(Duration pause) {
      Checks.unassigned(assigned, "retryAfter");
      this.retryAfter = Checks.positive(pause, "retryAfter");
      assigned.add("retryAfter");
      return this;
    }

    /**
     * The clock for expiry and write times; default UTC system clock. Expiry is kept to the
     * millisecond. It must follow real time for refresh-ahead: a refreshed value replaces only a
     * row written before the refresh began reading the source, found as this clock's now minus
     * the read's age on the monotonic clock (a stopped clock refuses every refresh).
     */
    public Builder clock(Clock clock) {
      Checks.unassigned(assigned, "clock");
      this.clock = requireNonNull(clock, "clock");
      assigned.add("clock");
      return this;
    }

    /**
     * A tier with these settings. Creates or migrates the table when the server is reachable; an
     * unreachable server is an outage the tier rides out, but a server that refuses the tier is a
     * configuration error and fails the build.
     *
     * @throws PostgresException when the server refused the login or a privilege: a wrong password
     *     (SQLSTATE 28P01), no {@code pg_hba.conf} entry or no such role (28000), no such database
     *     (3D000), a missing privilege such as {@code CONNECT} on the database or {@code CREATE} for
     *     the schema (42501); the message names the user and server, never the password, and
     *     {@link PostgresException#sqlState()} gives the SQLSTATE
     * @throws IllegalStateException when neither {@link #dataSource} nor {@link #jdbcUrl} was set,
     *     or the server refused the schema otherwise (an incompatible table of that name)
     */
    public PostgresTier build() {
      PostgresTier tier = new PostgresTier(this);
      tier.migrateAtBuild(connections);
      return tier;
    }
  }
}
