package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class RetentionManagerTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final Duration RETENTION = Duration.ofDays(30);
  private static final int DAYS = 60;

  private final TestClock clock = new TestClock(NOW);
  private TestPostgres postgres;
  private PostgresSchema schema;
  private HikariDataSource pool;

  @BeforeEach
  void createTables(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    this.pool = postgres.newPool(3);
    execute("CREATE SCHEMA " + schema.name());
    for (String table : new String[] {"candles", "signals"}) {
      execute("CREATE TABLE " + schema.qualify(table) + " (ts timestamptz NOT NULL, symbol text)");
      // One row per day, from today back to DAYS - 1 days ago.
      try (Connection c = pool.getConnection();
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

  @AfterEach
  void closePool() {
    pool.close();
  }

  private RetentionManager.Builder manager() {
    return RetentionManager.builder()
        .dataSource(pool)
        .table(schema.name(), "candles", "ts", RETENTION)
        .table(schema.name(), "signals", "ts", Duration.ofDays(7))
        .batchSize(4)
        .clock(clock);
  }

  @Test
  void removesRowsOlderThanTheRetentionAndKeepsNewerOnes() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "on TimescaleDB whole chunks are dropped instead");
    try (RetentionManager retention = manager().build()) {
      RetentionManager.Run run = retention.runNow();

      assertThat(run.skipped()).isFalse();
      assertThat(run.succeeded()).isTrue();
      // Rows exactly at the cutoff stay: only strictly older ones go.
      assertThat(run.tables())
          .containsExactly(
              new RetentionManager.TableResult(schema.name() + ".candles", DAYS - 31, 0, null),
              new RetentionManager.TableResult(schema.name() + ".signals", DAYS - 8, 0, null));
      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(31);
      assertThat(count("SELECT count(*) FROM " + schema.qualify("signals"))).isEqualTo(8);
      assertThat(
              count("SELECT count(*) FROM " + schema.qualify("candles")
                  + " WHERE ts < '2026-05-02T00:00:00Z'"))
          .isZero();

      clock.advance(Duration.ofDays(1));
      assertThat(retention.runNow().rowsRemoved()).isEqualTo(2);
    }
  }

  @Test
  void statusReportsLastAndNextRunAndMetrics() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    try (RetentionManager retention = manager().interval(Duration.ofHours(6)).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      retention.bindTo(registry);
      assertThat(retention.status().lastRun()).isNull();
      assertThat(retention.status().nextRun()).isNull();

      RetentionManager.Run run = retention.runNow();
      retention.start();

      RetentionManager.Status status = retention.status();
      assertThat(status.lastRun()).isEqualTo(run);
      assertThat(status.lastRun().finishedAt()).isEqualTo(NOW);
      assertThat(status.nextRun()).isEqualTo(NOW.plus(Duration.ofHours(6)));
      assertThat(status.running()).isFalse();
      assertThat(status.timescaleVersion()).isNull();
      assertThat(
              registry.get("hotpath.retention.rows").tag("table", schema.name() + ".candles")
                  .functionCounter().count())
          .isEqualTo(DAYS - 31);
    }
  }

  @Test
  void aRunIsSkippedWhileAnotherNodeRuns() throws SQLException {
    try (RetentionManager retention = manager().build();
        Connection otherNode = pool.getConnection();
        PreparedStatement lock = otherNode.prepareStatement("SELECT pg_advisory_lock(?)")) {
      lock.setLong(1, AdvisoryLocks.key(RetentionManager.LOCK_NAME));
      lock.execute();

      RetentionManager.Run skipped = retention.runNow();
      assertThat(skipped.skipped()).isTrue();
      assertThat(skipped.tables()).isEmpty();
      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(DAYS);
      assertThat(retention.status().lastRun()).isNull();

      try (Statement s = otherNode.createStatement()) {
        s.execute("SELECT pg_advisory_unlock_all()");
      }
      assertThat(retention.runNow().skipped()).isFalse();
    }
  }

  @Test
  void aFailingTableIsReportedAndTheOthersAreStillCleaned() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    try (RetentionManager retention =
        RetentionManager.builder()
            .dataSource(pool)
            .table(schema.name(), "no_such_table", "ts", RETENTION)
            .table(schema.name(), "candles", "ts", RETENTION)
            .clock(clock)
            .build()) {
      RetentionManager.Run run = retention.runNow();
      assertThat(run.succeeded()).isFalse();
      assertThat(run.tables().get(0).error()).contains("no_such_table");
      assertThat(run.tables().get(1).rowsRemoved()).isEqualTo(DAYS - 31);
    }
  }

  @Test
  void aTableTimescaleRefusesToConvertIsStillCleanedAndSoAreTheOthers() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    // A stand-in for TimescaleDB, found first on the search path: its catalog row, and a
    // create_hypertable that refuses every table, as it does one whose primary key lacks the
    // time column.
    execute(
        "CREATE VIEW " + schema.qualify("pg_extension")
            + " AS SELECT 'timescaledb'::name AS extname, '2.99.0'::text AS extversion");
    execute(
        "CREATE FUNCTION " + schema.qualify("create_hypertable")
            + "(relation regclass, time_column_name name, if_not_exists boolean DEFAULT false,"
            + " migrate_data boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS $$ BEGIN"
            + " RAISE EXCEPTION 'cannot create a unique index without the column \"%\"',"
            + " time_column_name USING ERRCODE = 'TS103'; END $$");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.user());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(2);
    config.setConnectionInitSql("SET search_path = " + schema.name() + ", pg_catalog, public");
    try (HikariDataSource faking = new HikariDataSource(config);
        RetentionManager retention =
            RetentionManager.builder()
                .dataSource(faking)
                .table(schema.name(), "candles", "ts", RETENTION)
                .table(schema.name(), "signals", "ts", Duration.ofDays(7))
                .clock(clock)
                .build()) {
      RetentionManager.Run run = retention.runNow();
      assertThat(retention.status().timescaleVersion()).isEqualTo("2.99.0");
      assertThat(run.tables())
          .containsExactly(
              new RetentionManager.TableResult(schema.name() + ".candles", DAYS - 31, 0, null),
              new RetentionManager.TableResult(schema.name() + ".signals", DAYS - 8, 0, null));
    }
  }

  @Test
  void aTimestampColumnIsComparedInUtcWhateverTheJvmTimeZone() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    execute("CREATE TABLE " + schema.qualify("logs") + " (at timestamp NOT NULL)");
    // Hourly rows, as TimeSeriesWriter stores Instants (UTC local time), around the cutoff
    // 2026-05-02T00:00 UTC: three before it, the one at it and three after.
    execute(
        "INSERT INTO " + schema.qualify("logs")
            + " SELECT timestamp '2026-05-02 00:00' + h * interval '1 hour'"
            + " FROM generate_series(-3, 3) AS h");
    TimeZone before = TimeZone.getDefault();
    // The driver sets the session's TimeZone from the JVM's default when it connects.
    TimeZone.setDefault(TimeZone.getTimeZone("Asia/Tokyo"));
    try (HikariDataSource tokyo = postgres.newPool(1);
        RetentionManager retention =
            RetentionManager.builder()
                .dataSource(tokyo)
                .table(schema.name(), "logs", "at", RETENTION)
                .clock(clock)
                .build()) {
      assertThat(retention.runNow().rowsRemoved()).isEqualTo(3);
    } finally {
      TimeZone.setDefault(before);
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("logs"))).isEqualTo(4);
  }

  @Test
  void onTimescaleTablesBecomeHypertablesAndOldChunksAreDropped() throws SQLException {
    assumeTrue(postgres.hasTimescale(), "needs TimescaleDB");
    // The retention policies the manager adds run on the server's clock, soon after they are
    // added, and would drop every chunk of these rows (dated by the test clock) before the
    // manager's own run: keep TimescaleDB's job scheduler stopped while this test runs.
    execute("SELECT _timescaledb_functions.stop_background_workers()");
    try (RetentionManager retention = manager().build()) {
      retention.start();
      assertThat(retention.status().timescaleVersion()).isNotBlank();
      assertThat(
              count("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_schema = '"
                  + schema.name() + "'"))
          .isEqualTo(2);
      assertThat(
              count("SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'"
                  + " AND hypertable_schema = '" + schema.name() + "'"))
          .isEqualTo(2);
      RetentionManager.Run run = retention.runNow();
      assertThat(run.tables().get(0).chunksRemoved()).isPositive();
      assertThat(
              count("SELECT count(*) FROM " + schema.qualify("candles")
                  + " WHERE ts >= '2026-05-02T00:00:00Z'"))
          .isEqualTo(31);
      assertThat(
              count("SELECT count(*) FROM " + schema.qualify("candles")
                  + " WHERE ts < '2026-04-20T00:00:00Z'"))
          .as("chunks entirely older than the retention are gone")
          .isZero();
    } finally {
      execute("SELECT _timescaledb_functions.start_background_workers()");
    }
  }

  @Test
  void builderRefusesBadSettingsAtOnce() {
    assertThatThrownBy(() -> RetentionManager.builder().table("s", "t", "ts", Duration.ofDays(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retention of s.t")
        .hasMessageContaining("PT-24H");
    assertThatThrownBy(
            () -> RetentionManager.builder().table("s", "t; DROP TABLE x", "ts", RETENTION))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table");
    assertThatThrownBy(() -> RetentionManager.builder().table("s", "t", "Ts", RETENTION))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeColumn");
    assertThatThrownBy(
            () ->
                RetentionManager.builder()
                    .dataSource(pool)
                    .table("s", "t", "ts", Duration.ofMinutes(30))
                    .interval(Duration.ofHours(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("retention PT30M of s.t is shorter than the interval PT1H");
    assertThatThrownBy(() -> RetentionManager.builder().dataSource(pool).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one table");
  }

  private void execute(String sql) throws SQLException {
    postgres.execute(sql);
  }

  private long count(String sql) throws SQLException {
    return postgres.count(sql);
  }
}
