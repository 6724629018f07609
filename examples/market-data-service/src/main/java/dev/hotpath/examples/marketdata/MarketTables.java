package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.RetentionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The service's time-series tables and how long each keeps its rows: closed 1m candles ({@code
 * candles_1m}, written by {@link CandleRecorder}), indicator values, signals and service logs
 * (kept for a host's own writers). On TimescaleDB the {@link RetentionManager} makes each (empty)
 * table a hypertable with a retention policy; on plain PostgreSQL it deletes old rows in batches.
 *
 * <p>{@code candles_1m} has no unique key: the writer's delivery is at least once, and two
 * instances may record the same minute; readers take {@code DISTINCT ON (symbol, ts)}.
 */
final class MarketTables {
  static final String CANDLES = "candles_1m";
  static final String INDICATORS = "indicator_values";
  static final String SIGNALS = "signals";
  static final String LOGS = "service_logs";

  private MarketTables() {}

  /** Creates the schema and tables if missing; idempotent, safe for several instances at once. */
  static void create(DataSource pool, String schema) throws SQLException {
    // The schema name is checked against [a-z_][a-z0-9_]* by ServiceConfig: DDL cannot bind it.
    String[] ddl = {
        "CREATE SCHEMA IF NOT EXISTS " + schema,
        "CREATE TABLE IF NOT EXISTS " + schema + "." + CANDLES + " (symbol text NOT NULL, ts timestamptz NOT NULL,"
            + " open numeric NOT NULL, high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL,"
            + " volume numeric NOT NULL)",
        "CREATE INDEX IF NOT EXISTS " + CANDLES + "_symbol_ts ON " + schema + "." + CANDLES + " (symbol, ts DESC)",
        "CREATE TABLE IF NOT EXISTS " + schema + "." + INDICATORS + " (symbol text NOT NULL, timeframe text NOT NULL,"
            + " kind text NOT NULL, period int NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL)",
        "CREATE TABLE IF NOT EXISTS " + schema + "." + SIGNALS + " (symbol text NOT NULL, ts timestamptz NOT NULL,"
            + " kind text NOT NULL, payload jsonb)",
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
