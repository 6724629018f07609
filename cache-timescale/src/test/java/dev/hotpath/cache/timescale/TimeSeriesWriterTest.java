package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class TimeSeriesWriterTest {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123456Z");

  record Candle(String symbol, Instant ts, BigDecimal close, Double volume, Boolean closed, byte[] raw) {}

  private TestPostgres postgres;
  private PostgresSchema schema;
  private HikariDataSource pool;

  @BeforeEach
  void createTable(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    this.pool = postgres.newPool(2);
    execute("CREATE SCHEMA " + schema.name());
    execute(
        "CREATE TABLE " + schema.qualify("candles")
            + " (symbol text, ts timestamptz NOT NULL, close numeric, volume float8, closed boolean,"
            + " raw bytea)");
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  private TimeSeriesWriter.Builder<Candle> writer() {
    return writer(pool);
  }

  private TimeSeriesWriter.Builder<Candle> writer(javax.sql.DataSource dataSource) {
    return TimeSeriesWriter.<Candle>builder()
        .dataSource(dataSource)
        .schema(schema.name())
        .table("candles")
        .column("symbol", Candle::symbol)
        .column("ts", Candle::ts)
        .column("close", Candle::close)
        .column("volume", Candle::volume)
        .column("closed", Candle::closed)
        .column("raw", Candle::raw);
  }

  private static Candle candle(int i) {
    return new Candle("S" + i, T0.plusSeconds(i), BigDecimal.valueOf(i, 2), (double) i, i % 2 == 0, null);
  }

  @Test
  void everyAcceptedRowIsWrittenByTheTimeCloseReturns() throws SQLException {
    TimeSeriesWriter<Candle> writer =
        writer().batchSize(1000).flushInterval(Duration.ofHours(1)).build();
    for (int i = 0; i < 10_050; i++) {
      assertThat(writer.write(candle(i))).isTrue();
    }
    writer.close();
    assertThat(count("SELECT count(DISTINCT symbol) FROM " + schema.qualify("candles"))).isEqualTo(10_050);
    assertThat(writer.stats().written()).isEqualTo(10_050);
    assertThatThrownBy(() -> writer.write(candle(1))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void severalFlushThreadsWriteEveryRowOnce() throws SQLException {
    TimeSeriesWriter<Candle> writer =
        writer().batchSize(700).flushThreads(3).flushInterval(Duration.ofHours(1)).build();
    for (int i = 0; i < 10_050; i++) {
      assertThat(writer.write(candle(i))).isTrue();
      if (i == 5_000) {
        assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(5_001);
      }
    }
    writer.close();
    assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(10_050);
    assertThat(count("SELECT count(DISTINCT symbol) FROM " + schema.qualify("candles"))).isEqualTo(10_050);
    assertThat(writer.stats().written()).isEqualTo(10_050);
  }

  @Test
  void flushWaitsForTheRowsWrittenBeforeIt() throws SQLException {
    try (TimeSeriesWriter<Candle> writer =
        writer().batchSize(1000).flushInterval(Duration.ofHours(1)).build()) {
      for (int i = 0; i < 10; i++) {
        writer.write(candle(i));
      }
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(10);
    }
  }

  @Test
  void awkwardValuesRoundTrip() throws SQLException {
    String text = "tab\there\nnew line\\back slash\r'quote' \"dq\" ключ 😀 \\N";
    byte[] raw = {0, 1, (byte) 0xFF, '\\', '\t'};
    try (TimeSeriesWriter<Candle> writer = writer().build()) {
      writer.write(new Candle(text, T0, new BigDecimal("12345678901234567890.123456789"), Double.NaN, true, raw));
      writer.write(new Candle(null, T0, null, null, null, null));
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT symbol, ts, close, volume, closed, raw FROM " + schema.qualify("candles")
                    + " ORDER BY symbol NULLS LAST")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(text);
      assertThat(rs.getObject(2, OffsetDateTime.class)).isEqualTo(OffsetDateTime.ofInstant(T0, ZoneOffset.UTC));
      assertThat(rs.getBigDecimal(3)).isEqualTo(new BigDecimal("12345678901234567890.123456789"));
      assertThat(rs.getDouble(4)).isNaN();
      assertThat(rs.getBoolean(5)).isTrue();
      assertThat(rs.getBytes(6)).isEqualTo(raw);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isNull();
      assertThat(rs.getObject(3)).isNull();
      assertThat(rs.getObject(6)).isNull();
    }
  }

  @Test
  void aNulCharacterIsRefusedAtWrite() {
    try (TimeSeriesWriter<Candle> writer = writer().build()) {
      assertThatThrownBy(() -> writer.write(new Candle("a\u0000b", T0, null, null, null, null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("NUL");
    }
  }

  @Test
  void rejectPolicyCountsWhatAFullBufferRefusedAndCloseReportsWhatItGaveUp() {
    // A table that does not exist: every batch fails, so the buffer fills and stays full.
    TimeSeriesWriter<Candle> writer =
        TimeSeriesWriter.<Candle>builder()
            .dataSource(pool)
            .schema(schema.name())
            .table("missing")
            .column("symbol", Candle::symbol)
            .bufferCapacity(10)
            .batchSize(5)
            .overflow(TimeSeriesWriter.Overflow.REJECT)
            .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
            .closeTimeout(Duration.ofMillis(200))
            .build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    writer.bindTo(registry);
    int accepted = 0;
    for (int i = 0; i < 100; i++) {
      accepted += writer.write(candle(i)) ? 1 : 0;
    }
    TimeSeriesWriter.Stats stats = writer.stats();
    assertThat(stats.accepted()).isEqualTo(accepted).isEqualTo(10);
    assertThat(stats.rejected()).isEqualTo(100 - accepted);
    assertThat(registry.get("hotpath.timeseries.rows").tag("outcome", "rejected").functionCounter().count())
        .isEqualTo(100 - accepted);

    assertThatThrownBy(writer::close)
        .isInstanceOf(PostgresException.class)
        .hasMessageContaining(accepted + " rows could not be written")
        .hasMessageContaining("the last attempt failed")
        .satisfies(e -> assertThat(((PostgresException) e).sqlState()).isEqualTo("42P01"));
    assertThat(writer.stats().lost()).isEqualTo(accepted);
  }

  @Test
  void dropOldestKeepsTheNewestRowsAndCountsTheDropped() throws SQLException {
    // Until the table exists every flush fails, so the buffer fills and drops its oldest rows.
    TimeSeriesWriter<Candle> writer =
        TimeSeriesWriter.<Candle>builder()
            .dataSource(pool)
            .schema(schema.name())
            .table("later")
            .column("symbol", Candle::symbol)
            .bufferCapacity(10)
            .batchSize(5)
            .overflow(TimeSeriesWriter.Overflow.DROP_OLDEST)
            .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
            .build();
    for (int i = 0; i < 100; i++) {
      assertThat(writer.write(candle(i))).isTrue();
    }
    TimeSeriesWriter.Stats stats = writer.stats();
    assertThat(stats.accepted()).isEqualTo(100);
    // A full buffer survives, the batch a flusher holds while it retries included.
    assertThat(stats.dropped()).isEqualTo(90);
    assertThat(stats.buffered()).isBetween(5, 10);

    execute("CREATE TABLE " + schema.qualify("later") + " (symbol text)");
    writer.close();
    assertThat(writer.stats().written()).isEqualTo(100 - stats.dropped());
    assertThat(count("SELECT count(*) FROM " + schema.qualify("later"))).isEqualTo(100 - stats.dropped());
    // A row is dropped only when the buffer holds ten, at most five of them in the batch being
    // retried (which cannot be dropped), so the five newest always survive.
    assertThat(
            count("SELECT count(*) FROM " + schema.qualify("later")
                + " WHERE substr(symbol, 2)::int >= 95"))
        .isEqualTo(5);
  }

  /**
   * The capacity bounds the rows accepted and not written, the batch being sent included: with a
   * batch of 10 held on its way to the server, 90 more are accepted, not 100.
   */
  @Test
  void bufferCapacityCountsTheBatchBeingSent() throws Exception {
    CountDownLatch sending = new CountDownLatch(1);
    CountDownLatch serverMayAnswer = new CountDownLatch(1);
    ForwardingDataSource held = new ForwardingDataSource(pool) {
      @Override
      public Connection getConnection() throws SQLException {
        sending.countDown();
        await(serverMayAnswer);
        return super.getConnection();
      }
    };
    try (TimeSeriesWriter<Candle> writer =
        writer(held).bufferCapacity(100).batchSize(10).overflow(TimeSeriesWriter.Overflow.REJECT)
            .flushInterval(Duration.ofHours(1)).build()) {
      try {
        for (int i = 0; i < 10; i++) {
          assertThat(writer.write(candle(i))).isTrue();
        }
        assertThat(sending.await(30, TimeUnit.SECONDS)).as("the first batch taken and held").isTrue();
        int accepted = 10;
        for (int i = 10; i < 300; i++) {
          accepted += writer.write(candle(i)) ? 1 : 0;
        }
        assertThat(accepted).isEqualTo(100);
        assertThat(writer.stats().accepted()).isEqualTo(100);
        assertThat(writer.stats().rejected()).isEqualTo(200);
        assertThat(writer.stats().buffered()).isEqualTo(90);
      } finally {
        serverMayAnswer.countDown();
      }
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(writer.stats().written()).isEqualTo(100);
      assertThat(writer.write(candle(300))).as("room once the batch is written").isTrue();
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(101);
  }

  /** Stress: the stats of a flush that returned true count its rows; none lags behind. */
  @Test
  void whenFlushReturnsTheStatsCountTheRowsItWaitedFor() throws SQLException {
    int flushes = 200;
    try (TimeSeriesWriter<Candle> writer =
        writer().batchSize(1000).flushThreads(2).flushInterval(Duration.ofHours(1)).build()) {
      int lagged = 0;
      for (int i = 0; i < flushes; i++) {
        writer.write(candle(2 * i));
        writer.write(candle(2 * i + 1));
        assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
        if (writer.stats().written() != 2L * (i + 1)) {
          lagged++;
        }
      }
      assertThat(lagged).as("flushes whose stats lagged, of %d", flushes).isZero();
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(2L * flushes);
  }

  @Test
  void nothingIsLostWhenPostgresStopsMidStreamAndComesBack() throws Exception {
    assumeTrue(postgres.isRestartable(), "only a server this JVM started can be stopped");
    int rows = 20_000;
    CountDownLatch halfWritten = new CountDownLatch(1);
    CountDownLatch serverStopped = new CountDownLatch(1);
    TimeSeriesWriter<Candle> writer =
        TimeSeriesWriter.<Candle>builder()
            .jdbcUrl(postgres.jdbcUrl(), postgres.user(), postgres.password())
            .connectTimeout(Duration.ofMillis(250))
            .schema(schema.name())
            .table("candles")
            .column("symbol", Candle::symbol)
            .column("ts", Candle::ts)
            .batchSize(500)
            .bufferCapacity(rows)
            .flushInterval(Duration.ofMillis(20))
            .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .build();
    CompletableFuture<Integer> producer =
        CompletableFuture.supplyAsync(
            () -> {
              int accepted = 0;
              for (int i = 0; i < rows; i++) {
                if (i == rows / 2) {
                  halfWritten.countDown();
                  await(serverStopped);
                }
                accepted += writer.write(candle(i)) ? 1 : 0;
              }
              return accepted;
            });
    halfWritten.await();
    postgres.stop();
    serverStopped.countDown();
    assertThat(producer.get()).isEqualTo(rows);
    // Restart only once a batch has failed, so the outage is seen whatever the flusher was doing
    // when the server stopped (a first connection still being made can outlast a short outage).
    awaitFailedFlush(writer);
    postgres.start();
    writer.close();

    assertThat(writer.stats().failedFlushes()).as("batches failed during the outage").isPositive();
    assertThat(count("SELECT count(DISTINCT symbol) FROM " + schema.qualify("candles"))).isEqualTo(rows);
    assertThat(writer.stats().written()).isEqualTo(rows);
    assertThat(writer.stats().lost()).isZero();
  }

  @Test
  void aConnectionCutWhileThePoolSetsItUpDoesNotStopTheWriterForGood() throws Exception {
    // HikariCP bug #1944: when the first connection dies while the pool asks it for the default
    // isolation level, every later connection of that pool is refused, unless an isolation level
    // is configured. The cut here is exactly that moment: first query of the first connection.
    Properties target = org.postgresql.Driver.parseURL(postgres.jdbcUrl(), null);
    try (QueryCuttingProxy proxy =
        new QueryCuttingProxy(target.getProperty("PGHOST"), Integer.parseInt(target.getProperty("PGPORT")), 1)) {
      String throughProxy =
          postgres.jdbcUrl().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/")
              + (postgres.jdbcUrl().contains("?") ? "&" : "?")
              + "sslmode=disable&gssEncMode=disable&assumeMinServerVersion=10";
      TimeSeriesWriter<Candle> writer =
          TimeSeriesWriter.<Candle>builder()
              .jdbcUrl(throughProxy, postgres.user(), postgres.password())
              .connectTimeout(Duration.ofMillis(250))
              .schema(schema.name())
              .table("candles")
              .column("symbol", Candle::symbol)
              .column("ts", Candle::ts)
              .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
              .build();
      for (int i = 0; i < 100; i++) {
        writer.write(candle(i));
      }
      assertThat(writer.flush(Duration.ofSeconds(20))).as("rows written after the cut").isTrue();
      writer.close();
      assertThat(proxy.cut()).as("connections cut at their first query").isOne();
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(100);
  }

  @Test
  void aRowTheServerRefusesIsSetAsideAndTheRowsAfterItArrive() throws SQLException {
    // A redelivered row on a unique (symbol, ts) key: retrying its batch would fail forever.
    execute("CREATE UNIQUE INDEX ON " + schema.qualify("candles") + " (symbol, ts)");
    try (TimeSeriesWriter<Candle> writer =
        writer().batchSize(100).retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      writer.bindTo(registry);
      writer.write(candle(1));
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();

      writer.write(candle(0));
      writer.write(candle(1)); // the duplicate, in the middle of the batch
      writer.write(candle(2));
      assertThat(writer.flush(Duration.ofSeconds(10))).as("the writer moved on").isTrue();
      writer.write(candle(3));
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();

      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(4);
      TimeSeriesWriter.Stats stats = writer.stats();
      assertThat(stats.refused()).isEqualTo(1);
      assertThat(stats.written()).isEqualTo(4);
      assertThat(stats.lost()).isZero();
      assertThat(registry.get("hotpath.timeseries.rows").tag("outcome", "refused").functionCounter().count())
          .isEqualTo(1);
    }
  }

  @Test
  void withOnConflictDoNothingARowWrittenTwiceLeavesOneRowAsFirstWritten() throws SQLException {
    execute("CREATE UNIQUE INDEX ON " + schema.qualify("candles") + " (symbol, ts)");
    try (TimeSeriesWriter<Candle> writer =
        writer().onConflictDoNothing("symbol", "ts").batchSize(100).build()) {
      writer.write(candle(1));
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      Candle again = new Candle("S1", T0.plusSeconds(1), new BigDecimal("99.99"), 1.0, true, null);

      writer.write(candle(0));
      writer.write(again); // already in the table
      writer.write(again); // and twice in this batch
      writer.write(candle(2));
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();

      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(3);
      assertThat(count("SELECT count(*) FROM " + schema.qualify("candles")
          + " WHERE symbol = 'S1' AND close = 0.01")).isEqualTo(1);
      TimeSeriesWriter.Stats stats = writer.stats();
      assertThat(stats.refused()).isZero();
      assertThat(stats.failedFlushes()).isZero();
    }
  }

  record Tick(String symbol, Instant ts, BigDecimal price, String venue) {}

  private TimeSeriesWriter.Builder<Tick> tickWriter(javax.sql.DataSource dataSource) {
    return TimeSeriesWriter.<Tick>builder()
        .dataSource(dataSource)
        .schema(schema.name())
        .table("ticks")
        .column("symbol", Tick::symbol)
        .column("ts", Tick::ts)
        .column("price", Tick::price)
        .onConflictDoNothing("symbol", "ts")
        .batchSize(100);
  }

  @Test
  void withOnConflictDoNothingAnIdentityColumnTheWriterLeavesOutIsFilledByTheTable() throws SQLException {
    execute("CREATE TABLE " + schema.qualify("ticks") + " (id bigint GENERATED ALWAYS AS IDENTITY,"
        + " symbol text NOT NULL, ts timestamptz NOT NULL, price numeric, UNIQUE (symbol, ts))");
    try (TimeSeriesWriter<Tick> writer = tickWriter(pool).build()) {
      for (int i = 0; i < 3; i++) {
        writer.write(new Tick("S", T0.plusSeconds(i), BigDecimal.ONE, null));
      }
      writer.write(new Tick("S", T0, BigDecimal.TEN, null)); // a duplicate, skipped
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();

      assertThat(writer.stats().refused()).isZero();
      assertThat(count("SELECT count(DISTINCT id) FROM " + schema.qualify("ticks") + " WHERE price = 1"))
          .isEqualTo(3);
    }
  }

  @Test
  void aWriterOfAColumnAddedSinceAnotherWriterUsedTheSessionWritesItsRows() throws SQLException {
    execute("CREATE TABLE " + schema.qualify("ticks")
        + " (symbol text NOT NULL, ts timestamptz NOT NULL, price numeric, UNIQUE (symbol, ts))");
    try (HikariDataSource oneSession = postgres.newPool(1)) {
      try (TimeSeriesWriter<Tick> before = tickWriter(oneSession).build()) {
        before.write(new Tick("S", T0, BigDecimal.ONE, null));
        assertThat(before.flush(Duration.ofSeconds(30))).isTrue();
      }
      execute("ALTER TABLE " + schema.qualify("ticks") + " ADD COLUMN venue text");

      try (TimeSeriesWriter<Tick> after = tickWriter(oneSession).column("venue", Tick::venue)
          .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
        after.write(new Tick("S", T0.plusSeconds(1), BigDecimal.ONE, "X"));
        assertThat(after.flush(Duration.ofSeconds(30))).as("written on the session 'before' used").isTrue();
        assertThat(after.stats().failedFlushes()).isZero();
      }
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("ticks") + " WHERE venue = 'X'")).isEqualTo(1);
  }

  @Test
  void flushWaitsForOlderRowsAnotherFlusherIsStillSending() throws Exception {
    execute("CREATE UNIQUE INDEX ON " + schema.qualify("candles") + " (symbol)");
    try (Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      // An uncommitted row with the same key makes the COPY of candle 0 wait for this transaction.
      blocker.setAutoCommit(false);
      s.execute("INSERT INTO " + schema.qualify("candles") + " (symbol, ts) VALUES ('S0', now())");
      try (TimeSeriesWriter<Candle> writer =
          writer().batchSize(1).flushThreads(2).flushInterval(Duration.ofMillis(10)).build()) {
        writer.write(candle(0));
        awaitCondition(() -> writer.stats().buffered() == 0); // taken by one flusher, stuck
        FutureTask<Boolean> flushed = new FutureTask<>(() -> writer.flush(Duration.ofSeconds(2)));
        Thread flushing = new Thread(flushed, "test-flush");
        flushing.start();
        // Waiting with a timeout means flush has taken its target: the next row comes after it.
        awaitCondition(() -> flushing.getState() == Thread.State.TIMED_WAITING);
        writer.write(candle(1)); // accepted after the flush call; the other flusher writes it
        awaitCondition(() -> writer.stats().written() == 1);
        assertThat(flushed.get())
            .as("flush must not count a newer row for the older one still being sent")
            .isFalse();

        blocker.rollback();
        assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(count("SELECT count(*) FROM " + schema.qualify("candles"))).isEqualTo(2);
      }
    }
  }

  @Test
  void closeReportsTheRowsOfAFlusherStillSendingPastTheDeadline() throws Exception {
    try (Connection blocker = postgres.connect();
        Statement s = blocker.createStatement()) {
      // A COPY waiting for this lock outlives any close timeout.
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE " + schema.qualify("candles") + " IN ACCESS EXCLUSIVE MODE");
      TimeSeriesWriter<Candle> writer =
          writer()
              .flushInterval(Duration.ofMillis(10))
              .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
              .closeTimeout(Duration.ofMillis(100))
              .build();
      writer.write(candle(0));
      awaitCondition(() -> writer.stats().buffered() == 0);
      assertThatThrownBy(writer::close)
          .isInstanceOf(PostgresException.class)
          .hasMessageContaining("1 rows could not be written");
      assertThat(writer.stats().lost()).isEqualTo(1);
      assertThat(writer.stats().written()).isZero();
      blocker.rollback();
    }
    assertThat(count("SELECT count(*) FROM " + schema.qualify("candles")))
        .as("the COPY was cancelled at close")
        .isZero();
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(5);
    }
  }

  @Test
  void builderNamesWhatIsWrong() {
    assertThatThrownBy(() -> writer().batchSize(10).bufferCapacity(5).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("batchSize 10")
        .hasMessageContaining("bufferCapacity 5");
    assertThatThrownBy(() -> TimeSeriesWriter.<Candle>builder().dataSource(pool).table("t").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("column");
    assertThatThrownBy(() -> writer().column("symbol", Candle::symbol))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("symbol");
    assertThatThrownBy(() -> writer().column("x\"; DROP TABLE candles; --", Candle::symbol))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column");
    assertThatThrownBy(() -> writer().onConflictDoNothing("symbol", "open_time").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("onConflictDoNothing")
        .hasMessageContaining("open_time");
    assertThatThrownBy(() -> writer().onConflictDoNothing())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("onConflictDoNothing");
    assertThatThrownBy(() -> writer().flushThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flushThreads must be positive but was 0");
    assertThatThrownBy(() -> writer().flushInterval(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flushInterval")
        .hasMessageContaining("PT-0.005S");
  }

  private static void awaitFailedFlush(TimeSeriesWriter<?> writer) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (writer.stats().failedFlushes() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void execute(String sql) throws SQLException {
    postgres.execute(sql);
  }

  private long count(String sql) throws SQLException {
    return postgres.count(sql);
  }
}
