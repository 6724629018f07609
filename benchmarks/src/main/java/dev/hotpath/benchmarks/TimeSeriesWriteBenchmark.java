package dev.hotpath.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.timescale.TimeSeriesWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Candle rows per second into one PostgreSQL table, committed, in one run: {@code hotpath} (the
 * {@link TimeSeriesWriter} with its default single flush thread: buffer and COPY, then {@code
 * flush} so every row counted is committed) and {@code hotpathTwoFlushThreads} (the same with
 * {@code flushThreads(2)}: two COPYs at once on two connections) against {@code batchInsert} (a
 * prepared INSERT on one connection, {@code addBatch}/{@code executeBatch} in batches of the same
 * size, with {@code reWriteBatchedInserts=true}). Each invocation writes {@value #ROWS} rows, so
 * the score is rows/s. The table is emptied before each iteration.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar TimeSeriesWriteBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimeSeriesWriteBenchmark {
  static final int ROWS = 50_000;
  /**
   * Rows per COPY for the writer and per executeBatch for the batch insert: the same for both.
   * Larger batches help COPY more than batched INSERTs (measured: at 5,000 the ratio was about 3×,
   * at 25,000 about 3.4×).
   */
  static final int BATCH = 25_000;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** One 1-minute candle. */
  public record Candle(String symbol, Instant ts, double open, double high, double low, double close, double volume) {}

  @State(Scope.Benchmark)
  public static class Server {
    BenchPostgres postgres;
    HikariDataSource pool;
    HikariDataSource rewritingPool;
    TimeSeriesWriter<Candle> writer;
    TimeSeriesWriter<Candle> twoThreadWriter;
    String table;
    Candle[] candles;

    @Setup(Level.Trial)
    public void start() {
      postgres = BenchPostgres.open();
      pool = postgres.pool(3);
      rewritingPool = postgres.pool(1, "reWriteBatchedInserts", "true");
      table = "\"" + postgres.schema() + "\".candles";
      BenchPostgres.execute(pool, "CREATE SCHEMA \"" + postgres.schema() + "\"");
      BenchPostgres.execute(
          pool,
          "CREATE TABLE " + table + " (symbol text NOT NULL, ts timestamptz NOT NULL, open float8,"
              + " high float8, low float8, close float8, volume float8)");
      writer = writer(1);
      twoThreadWriter = writer(2);
      candles = new Candle[ROWS];
      for (int i = 0; i < ROWS; i++) {
        double price = 30_000 + (i % 1000) * 0.5;
        candles[i] =
            new Candle("SYM" + (i % 200) + "USDT", T0.plusSeconds(60L * i), price, price + 12.5,
                price - 11.25, price + 3.75, 1234.5678 + i);
      }
    }

    private TimeSeriesWriter<Candle> writer(int flushThreads) {
      return TimeSeriesWriter.<Candle>builder()
          .dataSource(pool)
          .schema(postgres.schema())
          .table("candles")
          .column("symbol", Candle::symbol)
          .column("ts", Candle::ts)
          .column("open", Candle::open)
          .column("high", Candle::high)
          .column("low", Candle::low)
          .column("close", Candle::close)
          .column("volume", Candle::volume)
          .batchSize(BATCH)
          .bufferCapacity(ROWS * 2)
          .flushThreads(flushThreads)
          .build();
    }

    @Setup(Level.Iteration)
    public void empty() {
      BenchPostgres.execute(pool, "TRUNCATE " + table);
    }

    @TearDown(Level.Trial)
    public void stop() {
      writer.close();
      twoThreadWriter.close();
      rewritingPool.close();
      pool.close();
      postgres.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public boolean hotpath(Server server) {
    return writeAll(server.writer, server.candles);
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public boolean hotpathTwoFlushThreads(Server server) {
    return writeAll(server.twoThreadWriter, server.candles);
  }

  private static boolean writeAll(TimeSeriesWriter<Candle> writer, Candle[] candles) {
    for (Candle candle : candles) {
      writer.write(candle);
    }
    if (!writer.flush(Duration.ofMinutes(1))) {
      throw new IllegalStateException("rows not written within a minute: " + writer.stats());
    }
    return true;
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public int batchInsert(Server server) throws SQLException {
    int written = 0;
    try (Connection c = server.rewritingPool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO " + server.table
                    + " (symbol, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int pending = 0;
      for (Candle candle : server.candles) {
        ps.setString(1, candle.symbol());
        ps.setObject(2, OffsetDateTime.ofInstant(candle.ts(), ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setDouble(3, candle.open());
        ps.setDouble(4, candle.high());
        ps.setDouble(5, candle.low());
        ps.setDouble(6, candle.close());
        ps.setDouble(7, candle.volume());
        ps.addBatch();
        if (++pending == BATCH) {
          for (int n : ps.executeBatch()) {
            written += Math.max(n, 0);
          }
          pending = 0;
        }
      }
      if (pending > 0) {
        ps.executeBatch();
      }
    }
    return written;
  }
}
