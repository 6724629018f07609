package dev.hotpath.cache.timescale;

import static dev.hotpath.cache.timescale.RetentionFixture.DAYS;
import static dev.hotpath.cache.timescale.RetentionFixture.NOW;
import static dev.hotpath.cache.timescale.RetentionFixture.awaitCondition;
import static dev.hotpath.cache.timescale.RetentionFixture.waitingFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.timescale.RetentionManager.Run;
import dev.hotpath.cache.timescale.RetentionManager.TableResult;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two managers on one database, as two services would run them: each table has a lock of its own.
 * One manager's run is held in the middle of cleaning (its DELETE waits for a table lock the test
 * holds, while the manager holds that table's advisory lock) while the other runs.
 */
@ExtendWith(PostgresExtension.class)
class RetentionLocksTest {
  private static final Duration RETENTION = Duration.ofDays(30);

  private final TestClock clock = new TestClock(NOW);
  private TestPostgres postgres;
  private PostgresSchema schema;
  private HikariDataSource pool;

  @BeforeEach
  void createTables(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    this.pool = postgres.newPool(4);
    RetentionFixture.createTables(postgres, schema, "candles", "signals");
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  private RetentionManager manager(String table) {
    return RetentionManager.builder()
        .dataSource(pool)
        .table(schema.name(), table, "ts", RETENTION)
        .clock(clock)
        .build();
  }

  @Test
  void managersOfDifferentTablesOnOneDatabaseBothCleanTheirTablesAtOnce() throws Exception {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    try (RetentionManager candles = manager("candles");
        RetentionManager signals = manager("signals");
        Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE " + schema.qualify("candles") + " IN ACCESS EXCLUSIVE MODE");
      FutureTask<Run> candlesRun = runOnItsOwnThread(candles);
      awaitCondition("the candles run waits in its DELETE", () -> waitingFor(postgres, schema.qualify("candles")) == 1);
      assertThat(candles.status().running()).isTrue();

      Run signalsRun = signals.runNow();

      assertThat(signalsRun.tables())
          .as("the signals manager's run, while the candles manager is running")
          .containsExactly(new TableResult(schema.name() + ".signals", false, DAYS - 31, 0, null));
      assertThat(postgres.count("SELECT count(*) FROM " + schema.qualify("signals"))).isEqualTo(31);

      blocker.rollback();
      assertThat(candlesRun.get().tables())
          .containsExactly(new TableResult(schema.name() + ".candles", false, DAYS - 31, 0, null));
      assertThat(postgres.count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(31);
    }
  }

  @Test
  void managersOfOneTableNeverCleanItAtOnce() throws Exception {
    assumeFalse(postgres.hasTimescale(), "row counts are for plain PostgreSQL");
    try (RetentionManager first = manager("candles");
        RetentionManager second = manager("candles");
        Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE " + schema.qualify("candles") + " IN ACCESS EXCLUSIVE MODE");
      FutureTask<Run> firstRun = runOnItsOwnThread(first);
      awaitCondition("the first run waits in its DELETE", () -> waitingFor(postgres, schema.qualify("candles")) == 1);

      Run secondRun = second.runNow();

      assertThat(secondRun.skipped()).isTrue();
      assertThat(secondRun.tables())
          .containsExactly(new TableResult(schema.name() + ".candles", true, 0, 0, null));
      assertThat(waitingFor(postgres, schema.qualify("candles")))
          .as("only the first run's DELETE waits: the second sent none")
          .isEqualTo(1);
      assertThat(second.status().lastRun()).isNull();

      blocker.rollback();
      assertThat(firstRun.get().rowsRemoved()).isEqualTo(DAYS - 31);
      Run after = second.runNow();
      assertThat(after.tables())
          .containsExactly(new TableResult(schema.name() + ".candles", false, 0, 0, null));
    }
  }

  private static FutureTask<Run> runOnItsOwnThread(RetentionManager manager) {
    FutureTask<Run> run = new FutureTask<>(manager::runNow);
    Thread thread = new Thread(run, "test-retention-run");
    thread.setDaemon(true);
    thread.start();
    return run;
  }
}
