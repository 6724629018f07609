package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.RetentionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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

  private MarketTables() {}

  /** Creates the schema and tables if missing; idempotent, safe for several instances at once. */
  static void create(DataSource pool, String schema) throws SQLException {
    // The schema name is checked against [a-z_][a-z0-9_]* by ServiceConfig: DDL cannot bind it.
    String candles = schema + "." + CANDLES;
    String[] ddl = {
        "CREATE SCHEMA IF NOT EXISTS " + schema,
        "CREATE TABLE IF NOT EXISTS " + candles + " (symbol text NOT NULL, ts timestamptz NOT NULL,"
            + " open numeric NOT NULL, high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL,"
            + " volume numeric NOT NULL)",
        // A table from before the key may hold a minute twice: keep one row of each before adding it.
        // (The one-time filter skips the scan once the key exists; both copies sit in one chunk.)
        "DELETE FROM " + candles + " a USING " + candles + " b WHERE to_regclass('" + candles + "_key') IS NULL"
            + " AND a.symbol = b.symbol AND a.ts = b.ts AND a.ctid > b.ctid",
        unique(schema, CANDLES, CANDLES_KEY),
        "DROP INDEX IF EXISTS " + schema + "." + CANDLES + "_symbol_ts", // the key serves its reads now
        "CREATE TABLE IF NOT EXISTS " + schema + "." + INDICATORS + " (symbol text NOT NULL, timeframe text NOT NULL,"
            + " kind text NOT NULL, period int NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL)",
        unique(schema, INDICATORS, INDICATORS_KEY),
        "CREATE TABLE IF NOT EXISTS " + schema + "." + SIGNALS + " (symbol text NOT NULL, timeframe text NOT NULL,"
            + " ts timestamptz NOT NULL, kind text NOT NULL, payload jsonb)",
        // The version before signals were written made the table without it (and left it empty).
        "ALTER TABLE " + schema + "." + SIGNALS + " ADD COLUMN IF NOT EXISTS timeframe text NOT NULL DEFAULT ''",
        unique(schema, SIGNALS, SIGNALS_KEY),
        "CREATE TABLE IF NOT EXISTS " + schema + "." + LOGS + " (ts timestamptz NOT NULL, level text NOT NULL,"
            + " message text NOT NULL)"};
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: serialize instances.
      c.setAutoCommit(false);
      s.execute("SELECT pg_advisory_xact_lock(hashtext('market-data-service:ddl'))");
      for (String statement : ddl) {
        s.execute(statement);
      }
      c.commit();
    }
  }

  /** {@code CREATE UNIQUE INDEX IF NOT EXISTS <table>_key ON <schema>.<table> (<key>)}. */
  private static String unique(String schema, String table, String[] key) {
    return "CREATE UNIQUE INDEX IF NOT EXISTS " + table + "_key ON " + schema + "." + table
        + " (" + String.join(", ", key) + ")";
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
