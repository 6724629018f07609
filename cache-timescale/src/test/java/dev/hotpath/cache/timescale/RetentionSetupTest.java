package dev.hotpath.cache.timescale;

import static dev.hotpath.cache.timescale.RetentionFixture.DAYS;
import static dev.hotpath.cache.timescale.RetentionFixture.NOW;
import static dev.hotpath.cache.timescale.RetentionFixture.awaitCondition;
import static dev.hotpath.cache.timescale.RetentionFixture.waitingFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.timescale.RetentionManager.HypertableMode;
import dev.hotpath.cache.timescale.RetentionManager.Run;
import dev.hotpath.cache.timescale.RetentionManager.Setup;
import dev.hotpath.cache.timescale.RetentionManager.Status;
import dev.hotpath.cache.timescale.RetentionManager.TableResult;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the manager sets tables up for TimescaleDB: which tables it converts, and on which thread.
 * Without TimescaleDB the tests use the stand-in of {@link RetentionFixture#fakeTimescale}, whose
 * {@code create_hypertable} only records how it was called: {@code candles} has rows, {@code
 * ticks} has none.
 */
@ExtendWith(PostgresExtension.class)
class RetentionSetupTest {
  private static final Duration RETENTION = Duration.ofDays(30);

  private final TestClock clock = new TestClock(NOW);
  private TestPostgres postgres;
  private PostgresSchema schema;

  @BeforeEach
  void createTables(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    RetentionFixture.createTables(postgres, schema, "candles");
    postgres.execute("CREATE TABLE " + schema.qualify("ticks") + " (ts timestamptz NOT NULL)");
  }

  /** The stand-in, with a create_hypertable that records its calls in {@code calls}. */
  private HikariDataSource recordingTimescale() throws SQLException {
    postgres.execute("CREATE TABLE " + schema.qualify("calls") + " (relation name, migrate_data boolean)");
    postgres.execute(
        "CREATE FUNCTION " + schema.qualify("create_hypertable")
            + "(relation regclass, time_column_name name, if_not_exists boolean DEFAULT false,"
            + " migrate_data boolean DEFAULT false) RETURNS void LANGUAGE sql AS $$"
            + " INSERT INTO " + schema.qualify("calls")
            + " SELECT relname, migrate_data FROM pg_class WHERE oid = relation $$");
    return RetentionFixture.fakeTimescale(postgres, schema);
  }

  /** The calls to create_hypertable, as {@code "table migrate_data=true|false"}. */
  private List<String> calls() throws SQLException {
    List<String> calls = new ArrayList<>();
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT relation, migrate_data FROM " + schema.qualify("calls") + " ORDER BY relation")) {
      while (rs.next()) {
        calls.add(rs.getString(1) + " migrate_data=" + rs.getBoolean(2));
      }
    }
    return calls;
  }

  private RetentionManager.Builder manager(DataSource dataSource) {
    return RetentionManager.builder()
        .dataSource(dataSource)
        .table(schema.name(), "candles", "ts", RETENTION)
        .table(schema.name(), "ticks", "ts", RETENTION)
        .clock(clock);
  }

  @Test
  void byDefaultATableWithRowsIsNeverMigratedAndIsCleanedByDeletes() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    try (HikariDataSource timescale = recordingTimescale();
        RetentionManager retention = manager(timescale).build()) {
      Run run = retention.runNow();

      assertThat(calls())
          .as("create_hypertable calls with default settings")
          .containsExactly("ticks migrate_data=false");
      assertThat(run.tables())
          .containsExactly(
              new TableResult(schema.name() + ".candles", false, DAYS - 31, 0, null),
              new TableResult(schema.name() + ".ticks", false, 0, 0, null));
      assertThat(postgres.count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(31);
      assertThat(retention.status().setup()).isEqualTo(Setup.DONE);
    }
  }

  static Stream<Arguments> modes() {
    return Stream.of(
        Arguments.of(HypertableMode.NEVER, List.of()),
        Arguments.of(HypertableMode.EMPTY_TABLES_ONLY, List.of("ticks migrate_data=false")),
        Arguments.of(
            HypertableMode.MIGRATE_DATA,
            List.of("candles migrate_data=true", "ticks migrate_data=true")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modes")
  void createHypertablesSaysWhichTablesAreConverted(HypertableMode mode, List<String> expected)
      throws SQLException {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    try (HikariDataSource timescale = recordingTimescale();
        RetentionManager retention = manager(timescale).createHypertables(mode).build()) {
      retention.runNow();
      assertThat(calls()).isEqualTo(expected);
    }
  }

  @Test
  void aTableTimescaleRefusesToConvertIsStillCleanedAndSoAreTheOthers() throws SQLException {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    // A create_hypertable that refuses every table, as TimescaleDB does one whose primary key
    // lacks the time column.
    postgres.execute(
        "CREATE FUNCTION " + schema.qualify("create_hypertable")
            + "(relation regclass, time_column_name name, if_not_exists boolean DEFAULT false,"
            + " migrate_data boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS $$ BEGIN"
            + " RAISE EXCEPTION 'cannot create a unique index without the column \"%\"',"
            + " time_column_name USING ERRCODE = 'TS103'; END $$");
    try (HikariDataSource timescale = RetentionFixture.fakeTimescale(postgres, schema);
        RetentionManager retention =
            manager(timescale).createHypertables(HypertableMode.MIGRATE_DATA).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      retention.bindTo(registry);
      Run run = retention.runNow();

      assertThat(run.tables())
          .containsExactly(
              new TableResult(schema.name() + ".candles", false, DAYS - 31, 0, null),
              new TableResult(schema.name() + ".ticks", false, 0, 0, null));
      Status status = retention.status();
      assertThat(status.timescaleVersion()).isEqualTo("2.99.0");
      assertThat(status.setup()).isEqualTo(Setup.DONE);
      assertThat(status.setupError())
          .startsWith(schema.name() + ".candles: ERROR: cannot create a unique index without the column \"ts\"")
          .contains("; " + schema.name() + ".ticks: ERROR: cannot create a unique index");
      assertThat(status.hypertables()).isEmpty();
      assertThat(registry.get("hotpath.retention.setup.failed").functionCounter().count()).isEqualTo(2);
      assertThat(registry.get("hotpath.retention.setup.pending").gauge().value()).isZero();
    }
  }

  @Test
  void startReturnsBeforeTheSetupWhichRunsOnTheRetentionThread() throws Exception {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    try (HikariDataSource timescale = RetentionFixture.fakeTimescale(postgres, schema);
        Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      // The setup's first statement reads the stand-in's pg_extension: it waits for this lock.
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE " + schema.qualify("pg_extension") + " IN ACCESS EXCLUSIVE MODE");
      ThreadRecordingDataSource recording = new ThreadRecordingDataSource(timescale, Thread.currentThread());
      try (RetentionManager retention = manager(recording).build()) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        retention.bindTo(registry);

        retention.start();

        assertThat(recording.threads()).as("threads that asked for a connection").doesNotContain(Thread.currentThread().getName());
        assertThat(retention.status().setup()).isEqualTo(Setup.PENDING);
        assertThat(retention.status().timescaleVersion()).isNull();
        assertThat(registry.get("hotpath.retention.setup.pending").gauge().value()).isEqualTo(2);
        awaitCondition(
            "the setup waits for the test's lock",
            () -> waitingFor(postgres, schema.qualify("pg_extension")) == 1);
        assertThat(retention.status().setup()).isEqualTo(Setup.PENDING);

        blocker.rollback();
        awaitCondition("the setup is done", () -> retention.status().setup() == Setup.DONE);

        assertThat(retention.status().timescaleVersion()).isEqualTo("2.99.0");
        assertThat(recording.threads()).isNotEmpty().containsOnly("hotpath-retention");
        assertThat(registry.get("hotpath.retention.setup.pending").gauge().value()).isZero();
      }
    }
  }

  @Test
  void closeCancelsASetupWaitingForALock() throws Exception {
    assumeFalse(postgres.hasTimescale(), "fakes TimescaleDB on plain PostgreSQL");
    try (HikariDataSource timescale = RetentionFixture.fakeTimescale(postgres, schema);
        Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE " + schema.qualify("pg_extension") + " IN ACCESS EXCLUSIVE MODE");
      RetentionManager retention = manager(timescale).build();
      retention.start();
      awaitCondition(
          "the setup waits for the test's lock",
          () -> waitingFor(postgres, schema.qualify("pg_extension")) == 1);

      retention.close();

      assertThat(waitingFor(postgres, schema.qualify("pg_extension")))
          .as("sessions still waiting for the lock once close returned")
          .isZero();
      Status status = retention.status();
      assertThat(status.setup()).isEqualTo(Setup.FAILED);
      assertThat(status.setupError()).contains("canceling statement");
      assertThat(status.nextRun()).isNull();
      blocker.rollback();
    }
  }

  @Test
  void onTimescaleATableWithRowsStaysPlainByDefaultAndAnEmptyOneBecomesAHypertable() throws Exception {
    assumeTrue(postgres.hasTimescale(), "needs TimescaleDB");
    // Keeps the retention policy the manager adds from dropping chunks on the server's clock.
    postgres.execute("SELECT _timescaledb_functions.stop_background_workers()");
    try (HikariDataSource pool = postgres.newPool(2);
        RetentionManager retention = manager(pool).build()) {
      retention.start();
      awaitCondition("the setup is done", () -> retention.status().setup() == Setup.DONE);

      assertThat(retention.status().hypertables()).containsExactly(schema.name() + ".ticks");
      assertThat(
              postgres.count(
                  "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_schema = '"
                      + schema.name() + "' AND hypertable_name = 'candles'"))
          .isZero();
      Run run = retention.runNow();
      assertThat(run.tables().get(0))
          .isEqualTo(new TableResult(schema.name() + ".candles", false, DAYS - 31, 0, null));
    } finally {
      postgres.execute("SELECT _timescaledb_functions.start_background_workers()");
    }
  }

  /**
   * The pool, recording the name of each thread that asks it for a connection, and refusing one
   * thread (the test's): were the setup done on it, start() would wait for the test's own lock.
   */
  private static final class ThreadRecordingDataSource extends ForwardingDataSource {
    private final Thread refused;
    private final List<String> threads = new CopyOnWriteArrayList<>();

    ThreadRecordingDataSource(DataSource delegate, Thread refused) {
      super(delegate);
      this.refused = refused;
    }

    List<String> threads() {
      return List.copyOf(threads);
    }

    @Override
    public Connection getConnection() throws SQLException {
      threads.add(Thread.currentThread().getName());
      if (Thread.currentThread() == refused) {
        throw new SQLException("no connection on the test's thread");
      }
      return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      throw new SQLException("not used");
    }
  }
}
