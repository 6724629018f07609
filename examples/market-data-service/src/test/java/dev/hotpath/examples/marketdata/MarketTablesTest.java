package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.timescale.RetentionManager;
import dev.hotpath.cache.timescale.TimeSeriesWriter;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import dev.hotpath.testing.postgres.TestPostgres;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service's tables on real PostgreSQL: the candles' unique key and each table's retention. */
class MarketTablesTest {
  private final TestPostgres postgres = TestPostgres.get();
  private final String schema = postgres.newSchemaName("market_tables");
  private HikariDataSource pool;

  @BeforeEach
  void createTables() throws SQLException {
    pool = postgres.newPool(4);
    MarketTables.create(pool, schema);
  }

  @AfterEach
  void dropSchema() throws SQLException {
    try {
      postgres.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } finally {
      pool.close();
    }
  }

  @Test
  void aClosedCandleWrittenTwiceLeavesOneRowAndNothingRefused() throws SQLException {
    Candle closed = new Candle(Timeframe.M1, 1_764_000_000_000L, new BigDecimal("100.5"), new BigDecimal("101"),
        new BigDecimal("100"), new BigDecimal("100.75"), new BigDecimal("3.2"), true);
    CandleRecorder.Row row = new CandleRecorder.Row("BTCUSDT", closed);
    try (TimeSeriesWriter<CandleRecorder.Row> writer = CandleRecorder.writer(pool, schema)) {
      writer.write(row);
      assertThat(writer.flush(Duration.ofSeconds(60))).isTrue();
      writer.write(row); // a restart, or another instance, recording the same minute
      writer.write(row);
      assertThat(writer.flush(Duration.ofSeconds(60))).isTrue();

      assertThat(postgres.count("SELECT count(*) FROM " + schema + ".candles_1m")).isEqualTo(1);
      assertThat(writer.stats().refused()).isZero();
    }
  }

  @Test
  void aCandlesTableFromBeforeTheKeyKeepsOneRowOfEachMinute() throws SQLException {
    assertATableFromBeforeItsKeyKeepsOneRowOfEachKey(MarketTables.CANDLES,
        "('ETHUSDT', '2026-11-30T10:00:00Z', 1, 1, 1, 1, 1)", "('ETHUSDT', '2026-11-30T10:01:00Z', 1, 1, 1, 1, 1)");
  }

  @Test
  void anIndicatorTableFromBeforeTheKeyKeepsOneRowOfEachKey() throws SQLException {
    assertATableFromBeforeItsKeyKeepsOneRowOfEachKey(MarketTables.INDICATORS,
        "('ETHUSDT', '1m', 'sma', 9, '2026-11-30T10:00:00Z', 1.5)", "('ETHUSDT', '1m', 'sma', 21, '2026-11-30T10:00:00Z', 1.5)");
  }

  /** {@code table} without its key, holding the {@code duplicated} row three times and {@code other} once. */
  private void assertATableFromBeforeItsKeyKeepsOneRowOfEachKey(String table, String duplicated, String other)
      throws SQLException {
    postgres.execute("DROP INDEX " + schema + "." + table + "_key");
    for (String row : List.of(duplicated, duplicated, duplicated, other)) {
      postgres.execute("INSERT INTO " + schema + "." + table + " VALUES " + row);
    }

    MarketTables.create(pool, schema);

    assertThat(postgres.count("SELECT count(*) FROM " + schema + "." + table)).isEqualTo(2);
    assertThat(postgres.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema
        + "' AND indexname = '" + table + "_key'")).isEqualTo(1);
  }

  @Test
  void startingAgainWhileOtherSessionsWriteAndReadTheTablesWaitsForNoneOfThem() throws SQLException {
    try (Connection other = pool.getConnection(); Statement s = other.createStatement()) {
      other.setAutoCommit(false);
      // Open transactions of a running instance: a write (blocks index builds) and a read (blocks
      // any ALTER TABLE) until they end.
      s.execute("INSERT INTO " + schema + ".candles_1m VALUES ('BTCUSDT', now(), 1, 1, 1, 1, 1)");
      s.execute("SELECT count(*) FROM " + schema + ".signals");

      // A lock wait would fail this start after the timeout: it must not need any lock.
      MarketTables.create(pool, schema, Duration.ofSeconds(2));

      other.commit();
    }
    assertThat(postgres.count("SELECT count(*) FROM " + schema + ".candles_1m")).isEqualTo(1);
  }

  @Test
  void aStartWaitsForAnotherInstancesStartHoweverLongItTakes() throws Exception {
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try (Connection other = pool.getConnection(); Statement s = other.createStatement()) {
      other.setAutoCommit(false);
      s.execute("SELECT pg_advisory_xact_lock(hashtext('market-data-service:ddl'))"); // another start, migrating

      Future<?> start = starter.submit(() -> {
        MarketTables.create(pool, schema, Duration.ofMillis(200));
        return null;
      });
      while (postgres.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 0) {
        assertThat(start.isDone()).as("the start waits for the other one").isFalse();
        Thread.sleep(20);
      }
      Thread.sleep(1_000); // the other start takes longer than the lock timeout
      other.commit();

      start.get(60, TimeUnit.SECONDS); // completes, rather than failing on the lock timeout
    } finally {
      starter.shutdownNow();
    }
  }

  @Test
  void aStartThatMustLockATableBusyInAnotherSessionFailsSayingSoInsteadOfWaiting() throws SQLException {
    postgres.execute("DROP INDEX " + schema + ".candles_1m_key"); // a table from before the key
    try (Connection other = pool.getConnection(); Statement s = other.createStatement()) {
      other.setAutoCommit(false);
      s.execute("INSERT INTO " + schema + ".candles_1m VALUES ('BTCUSDT', now(), 1, 1, 1, 1, 1)");

      assertThatThrownBy(() -> MarketTables.create(pool, schema, Duration.ofMillis(500)))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("creating the tables of schema " + schema + " waited more than 500 ms for a lock");

      other.commit();
    }
    MarketTables.create(pool, schema, Duration.ofSeconds(30)); // once the other session is done
    assertThat(postgres.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema
        + "' AND indexname = 'candles_1m_key'")).isEqualTo(1);
  }

  @Test
  void retentionRemovesTheRowsOlderThanEachTablesDaysAndKeepsTheOthers() throws SQLException {
    ServiceConfig config = ServiceConfig.builder().schema(schema).marketDataRetention(Duration.ofDays(30))
        .indicatorRetention(Duration.ofDays(20)).signalRetention(Duration.ofDays(90)).logRetention(Duration.ofDays(7))
        .build();
    Map<String, Duration> kept = Map.of(MarketTables.CANDLES, config.marketDataRetention,
        MarketTables.INDICATORS, config.indicatorRetention, MarketTables.SIGNALS, config.signalRetention,
        MarketTables.LOGS, config.logRetention);
    try (RetentionManager retention = MarketTables.retention(pool, config)) {
      retention.runNow(); // sets the (empty) tables up: hypertables where TimescaleDB is installed
      Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
      for (Map.Entry<String, Duration> table : kept.entrySet()) {
        // Far past the retention (a whole TimescaleDB chunk old), and well within it.
        insert(table.getKey(), now.minus(table.getValue()).minus(Duration.ofDays(400)), "old");
        insert(table.getKey(), now.minus(table.getValue()).minus(Duration.ofDays(1)), "just-old");
        insert(table.getKey(), now.minus(table.getValue()).plus(Duration.ofDays(1)), "kept");
        insert(table.getKey(), now, "new");
      }

      RetentionManager.Run run = retention.runNow();

      assertThat(run.succeeded()).as("%s", run).isTrue();
      for (String table : kept.keySet()) {
        assertThat(postgres.count("SELECT count(*) FROM " + schema + "." + table + " WHERE ts < now() - interval '"
            + kept.get(table).toDays() + " days' - interval '300 days'")).as("rows of %s 400 days past", table).isZero();
        assertThat(postgres.count("SELECT count(*) FROM " + schema + "." + table + " WHERE ts > now() - interval '"
            + kept.get(table).toDays() + " days'")).as("rows of %s within its retention", table).isEqualTo(2);
      }
    }
  }

  /** One row of {@code table} at {@code ts}, with parameters; {@code tag} keeps keys apart. */
  private void insert(String table, Instant ts, String tag) throws SQLException {
    String sql = switch (table) {
      case MarketTables.CANDLES -> "INSERT INTO " + schema + ".candles_1m VALUES (?, ?, 1, 1, 1, 1, 1)";
      case MarketTables.INDICATORS -> "INSERT INTO " + schema + ".indicator_values VALUES (?, '1m', 'sma', 14, ?, 1.0)";
      case MarketTables.SIGNALS -> "INSERT INTO " + schema + ".signals (symbol, timeframe, ts, kind) VALUES (?, '1m', ?, 'sma_cross_up')";
      default -> "INSERT INTO " + schema + ".service_logs (message, ts, level) VALUES (?, ?, 'INFO')";
    };
    try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, tag);
      s.setTimestamp(2, Timestamp.from(ts));
      s.executeUpdate();
    }
  }
}
