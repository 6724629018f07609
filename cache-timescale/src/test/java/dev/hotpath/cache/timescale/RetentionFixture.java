package dev.hotpath.cache.timescale;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;

/** Tables of daily rows for the retention tests, and a stand-in for TimescaleDB. */
final class RetentionFixture {
  /** The tests' clock time; the newest row of each table is dated now. */
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  /** Rows per table: one a day, from {@link #NOW} back {@code DAYS - 1} days. */
  static final int DAYS = 60;

  private RetentionFixture() {}

  /** Creates the schema and in it each table {@code (ts timestamptz NOT NULL, symbol text)}. */
  static void createTables(TestPostgres postgres, PostgresSchema schema, String... tables)
      throws SQLException {
    postgres.execute("CREATE SCHEMA " + schema.name());
    for (String table : tables) {
      postgres.execute(
          "CREATE TABLE " + schema.qualify(table) + " (ts timestamptz NOT NULL, symbol text)");
      try (Connection c = postgres.connect();
          PreparedStatement ps =
              c.prepareStatement("INSERT INTO " + schema.qualify(table) + " VALUES (?, 'BTCUSDT')")) {
        for (int day = 0; day < DAYS; day++) {
          ps.setObject(1, OffsetDateTime.ofInstant(NOW.minus(Duration.ofDays(day)), ZoneOffset.UTC));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  /**
   * A pool whose sessions find a stand-in for TimescaleDB first on their search path: a {@code
   * pg_extension} view in {@code schema} that lists timescaledb 2.99.0, and whatever functions the
   * test creates there ({@code create_hypertable}). What the manager names with a schema the stand-in
   * cannot take over, {@code timescaledb_information.hypertables}, stays missing: asking for it
   * fails as a table TimescaleDB refuses does, so every table ends up cleaned by batched deletes.
   */
  static HikariDataSource fakeTimescale(TestPostgres postgres, PostgresSchema schema)
      throws SQLException {
    postgres.execute(
        "CREATE VIEW " + schema.qualify("pg_extension")
            + " AS SELECT 'timescaledb'::name AS extname, '2.99.0'::text AS extversion");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.user());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(3);
    config.setMinimumIdle(0);
    config.setConnectionInitSql("SET search_path = " + schema.name() + ", pg_catalog, public");
    return new HikariDataSource(config);
  }

  /** Sessions waiting for a lock on {@code qualified} (a relation) that another one holds. */
  static long waitingFor(TestPostgres postgres, String qualified) throws SQLException {
    return postgres.count(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '" + qualified + "'::regclass");
  }

  /** Returns once {@code condition} holds; fails after 30 s (a hang guard, not a timing claim). */
  static void awaitCondition(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(5);
    }
  }
}
