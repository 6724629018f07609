package dev.hotpath.cache.timescale;

import static dev.hotpath.cache.timescale.RetentionFixture.DAYS;
import static dev.hotpath.cache.timescale.RetentionFixture.NOW;
import static dev.hotpath.cache.timescale.RetentionFixture.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class RetentionManagerTest {
  private static final Duration RETENTION = Duration.ofDays(30);

  private final TestClock clock = new TestClock(NOW);
  private TestPostgres postgres;
  private PostgresSchema schema;
  private HikariDataSource pool;

  @BeforeEach
  void createTables(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    this.pool = postgres.newPool(3);
    RetentionFixture.createTables(postgres, schema, "candles", "signals");
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
              new RetentionManager.TableResult(schema.name() + ".candles", false, DAYS - 31, 0, null),
              new RetentionManager.TableResult(schema.name() + ".signals", false, DAYS - 8, 0, null));
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
      assertThat(status.setup()).isEqualTo(RetentionManager.Setup.DONE);
      assertThat(status.setupError()).isNull();
      assertThat(status.hypertables()).isEmpty();
      assertThat(registry.get("hotpath.retention.setup.pending").gauge().value()).isZero();
      assertThat(
              registry.get("hotpath.retention.rows").tag("table", schema.name() + ".candles")
                  .functionCounter().count())
          .isEqualTo(DAYS - 31);
    }
  }

  @Test
  void aTableIsSkippedWhileAnotherNodeHoldsItsLockAndTheOthersAreCleaned() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    try (RetentionManager retention = manager().build();
        Connection otherNode = pool.getConnection();
        PreparedStatement lock = otherNode.prepareStatement("SELECT pg_advisory_lock(?)")) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      retention.bindTo(registry);
      lock.setLong(1, AdvisoryLocks.key("hotpath:retention:" + schema.name() + ".candles"));
      lock.execute();

      RetentionManager.Run partly = retention.runNow();
      assertThat(partly.skipped()).isFalse();
      assertThat(partly.tables())
          .containsExactly(
              new RetentionManager.TableResult(schema.name() + ".candles", true, 0, 0, null),
              new RetentionManager.TableResult(schema.name() + ".signals", false, DAYS - 8, 0, null));
      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(DAYS);
      assertThat(
              registry.get("hotpath.retention.skipped").tag("table", schema.name() + ".candles")
                  .functionCounter().count())
          .isEqualTo(1);

      lock.setLong(1, AdvisoryLocks.key("hotpath:retention:" + schema.name() + ".signals"));
      lock.execute();
      RetentionManager.Run skipped = retention.runNow();
      assertThat(skipped.skipped()).isTrue();
      assertThat(skipped.tables()).allMatch(RetentionManager.TableResult::skipped).hasSize(2);
      assertThat(retention.status().lastRun()).isEqualTo(partly);
      assertThat(registry.get("hotpath.retention.runs.skipped").functionCounter().count()).isEqualTo(1);

      try (Statement s = otherNode.createStatement()) {
        s.execute("SELECT pg_advisory_unlock_all()");
      }
      assertThat(retention.runNow().tables().get(0).rowsRemoved()).isEqualTo(DAYS - 31);
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
  void withMigrateDataTablesWithRowsBecomeHypertablesAndOldChunksAreDropped() throws Exception {
    assumeTrue(postgres.hasTimescale(), "needs TimescaleDB");
    // The retention policies the manager adds run on the server's clock, soon after they are
    // added, and would drop every chunk of these rows (dated by the test clock) before the
    // manager's own run: keep TimescaleDB's job scheduler stopped while this test runs.
    execute("SELECT _timescaledb_functions.stop_background_workers()");
    try (RetentionManager retention =
        manager().createHypertables(RetentionManager.HypertableMode.MIGRATE_DATA).build()) {
      retention.start();
      awaitCondition(
          "the setup is done", () -> retention.status().setup() == RetentionManager.Setup.DONE);
      assertThat(retention.status().timescaleVersion()).isNotBlank();
      assertThat(retention.status().hypertables())
          .containsExactly(schema.name() + ".candles", schema.name() + ".signals");
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
