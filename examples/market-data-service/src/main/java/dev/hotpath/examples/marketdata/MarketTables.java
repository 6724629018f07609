package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.RetentionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The service's time-series tables and how long each keeps its rows: closed 1m candles ({@code
 * candles_1m}, written by {@link CandleRecorder}), indicator values and SMA-cross signals (written
 * by {@link AnalyticsRecorder} when an indicator is computed), and the service's event log ({@link
 * EventLog}). On TimescaleDB the {@link RetentionManager} makes each (empty) table a hypertable with
 * a retention policy; on plain PostgreSQL it deletes old rows in batches.
 *
 * <p>Candles, indicator values and signals have a unique key ending in their time, and their
 * writers skip a row whose key is there ({@code ON CONFLICT DO NOTHING}): the writers deliver at
 * least once, a restart reads the same minutes again, two instances record the same candles, and a
 * closed candle (an indicator value or a signal over closed candles) is final, so the first row
 * written stands.
 */
final class MarketTables {
  static final String CANDLES = "candles_1m";
  static final String INDICATORS = "indicator_values";
  static final String SIGNALS = "signals";
  static final String LOGS = "service_logs";
  static final String[] CANDLES_KEY = {"symbol", "ts"};
  static final String[] INDICATORS_KEY = {"symbol", "timeframe", "kind", "period", "ts"};
  static final String[] SIGNALS_KEY = {"symbol", "timeframe", "kind", "ts"};
  /** How long a start waits for a lock another session holds before it fails instead. */
  static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

  private MarketTables() {}

  /** {@link #create(DataSource, String, Duration)} waiting at most {@link #LOCK_TIMEOUT} for a lock. */
  static void create(DataSource pool, String schema) throws SQLException {
    create(pool, schema, LOCK_TIMEOUT);
  }

  /**
   * Creates the schema, the tables and their keys where missing; idempotent, safe for several
   * instances at once, and for instances of an older version still writing.
   *
   * <p>Every step on a table first looks in the catalog, which takes no table lock, so a start where
   * all is in place locks nothing the running instances use: {@code CREATE INDEX IF NOT EXISTS} would take a
   * lock that waits for every open write, and {@code ALTER TABLE ... IF NOT EXISTS} one that stops
   * every read, on each start. Instances wait for each other's start; a step that must lock a table
   * waits at most {@code lockTimeout}
   * (behind a long query it fails the start with a message saying so, rather than holding up every
   * session queued behind it).
   *
   * @throws SQLException if a step fails, or a lock was not granted within {@code lockTimeout}
   */
  static void create(DataSource pool, String schema, Duration lockTimeout) throws SQLException {
    // The schema name is checked against [a-z_][a-z0-9_]* by ServiceConfig: DDL cannot bind it.
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try {
        // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: serialize instances.
        // Taken before the timeout is set: another instance may hold it for as long as a one-time
        // migration of a large table takes, and waiting for it is waiting for a start, not a query.
        s.execute("SELECT pg_advisory_xact_lock(hashtext('market-data-service:ddl'))");
        s.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
        createSteps(c, s, schema);
        c.commit();
      } catch (SQLException e) {
        try {
          c.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback); // the connection is often gone: e says why
        }
        if ("55P03".equals(e.getSQLState())) {
          throw new SQLException("creating the tables of schema " + schema + " waited more than "
              + lockTimeout.toMillis() + " ms for a lock another session holds (a long query or"
              + " transaction on one of its tables?); nothing was changed", e.getSQLState(), e);
        }
        throw e;
      }
    }
  }

  private static void createSteps(Connection c, Statement s, String schema) throws SQLException {
    s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
    createTable(c, s, schema, CANDLES, "symbol text NOT NULL, ts timestamptz NOT NULL, open numeric NOT NULL,"
        + " high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL, volume numeric NOT NULL");
    addKey(c, s, schema, CANDLES, CANDLES_KEY);
    if (exists(c, schema + "." + CANDLES + "_symbol_ts")) {
      s.execute("DROP INDEX " + schema + "." + CANDLES + "_symbol_ts"); // the key serves its reads now
    }
    createTable(c, s, schema, INDICATORS, "symbol text NOT NULL, timeframe text NOT NULL, kind text NOT NULL,"
        + " period int NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL");
    addKey(c, s, schema, INDICATORS, INDICATORS_KEY);
    createTable(c, s, schema, SIGNALS, "symbol text NOT NULL, timeframe text NOT NULL, ts timestamptz NOT NULL,"
        + " kind text NOT NULL, payload jsonb");
    // The version before signals were written made the table without it (and left it empty).
    if (!hasColumn(c, schema + "." + SIGNALS, "timeframe")) {
      s.execute("ALTER TABLE " + schema + "." + SIGNALS + " ADD COLUMN IF NOT EXISTS timeframe text NOT NULL DEFAULT ''");
    }
    addKey(c, s, schema, SIGNALS, SIGNALS_KEY);
    createTable(c, s, schema, LOGS, "ts timestamptz NOT NULL, level text NOT NULL, message text NOT NULL");
  }

  private static void createTable(Connection c, Statement s, String schema, String table, String columns)
      throws SQLException {
    if (!exists(c, schema + "." + table)) {
      s.execute("CREATE TABLE IF NOT EXISTS " + schema + "." + table + " (" + columns + ")");
    }
  }

  /**
   * Adds the unique index {@code <table>_key} if missing. A table from before the key may hold a
   * key twice: one row of each is kept first. The table is locked against writes from the delete
   * on, or an instance of the older version could insert a duplicate between the delete and the
   * index, which would then fail to build.
   */
  private static void addKey(Connection c, Statement s, String schema, String table, String[] key)
      throws SQLException {
    if (exists(c, schema + "." + table + "_key")) {
      return;
    }
    String qualified = schema + "." + table;
    s.execute("LOCK TABLE " + qualified + " IN SHARE ROW EXCLUSIVE MODE");
    StringBuilder sameKey = new StringBuilder();
    for (String column : key) {
      sameKey.append(" AND a.").append(column).append(" = b.").append(column);
    }
    // Both rows of a pair share the time, so on a hypertable they sit in one chunk, where ctid orders them.
    s.execute("DELETE FROM " + qualified + " a USING " + qualified + " b WHERE a.ctid > b.ctid" + sameKey);
    s.execute("CREATE UNIQUE INDEX IF NOT EXISTS " + table + "_key ON " + qualified
        + " (" + String.join(", ", key) + ")");
  }

  /** Whether a table or index of that qualified name exists: a catalog lookup, no lock taken. */
  private static boolean exists(Connection c, String qualifiedName) throws SQLException {
    try (PreparedStatement q = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      q.setString(1, qualifiedName);
      try (ResultSet r = q.executeQuery()) {
        r.next();
        return r.getBoolean(1);
      }
    }
  }

  private static boolean hasColumn(Connection c, String qualifiedTable, String column) throws SQLException {
    try (PreparedStatement q = c.prepareStatement(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped)")) {
      q.setString(1, qualifiedTable);
      q.setString(2, column);
      try (ResultSet r = q.executeQuery()) {
        r.next();
        return r.getBoolean(1);
      }
    }
  }

  /** The retention of every table, cleaned every hour. */
  static RetentionManager retention(DataSource pool, ServiceConfig config) {
    return RetentionManager.builder().dataSource(pool)
        .table(config.schema, CANDLES, "ts", config.marketDataRetention)
        .table(config.schema, INDICATORS, "ts", config.indicatorRetention)
        .table(config.schema, SIGNALS, "ts", config.signalRetention)
        .table(config.schema, LOGS, "ts", config.logRetention)
        .build();
  }
}
