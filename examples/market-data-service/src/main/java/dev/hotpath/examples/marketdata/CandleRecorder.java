package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.TimeSeriesWriter;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceReply;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The 1m source, recording as it goes: every closed 1m candle a reply brings is written once
 * (per process; a minute already in the table, from a restart or another instance, is skipped
 * there) to {@code candles_1m} through a {@link TimeSeriesWriter}, which batches rows into COPYs
 * off the request path. The open candle is not written; it is written when a later reply
 * has it closed. Delegates everything else. Thread-safe.
 */
final class CandleRecorder implements Source<String, List<Candle>> {
  private final Source<String, List<Candle>> source;
  private final TimeSeriesWriter<Row> writer;
  /** The newest minute written per symbol; replies older than it add nothing. */
  private final Map<String, Long> newestWritten = new ConcurrentHashMap<>();
  private final LongAdder notWritten = new LongAdder();

  /** A row of {@code candles_1m}. */
  record Row(String symbol, Candle candle) {}

  CandleRecorder(Source<String, List<Candle>> source, TimeSeriesWriter<Row> writer) {
    this.source = source;
    this.writer = writer;
  }

  /** The writer of {@code <schema>.candles_1m} over {@code pool}. */
  static TimeSeriesWriter<Row> writer(DataSource pool, String schema) {
    return TimeSeriesWriter.<Row>builder().dataSource(pool).schema(schema).table(MarketTables.CANDLES)
        .column("symbol", Row::symbol)
        .column("ts", r -> Instant.ofEpochMilli(r.candle().openTime()))
        .column("open", r -> r.candle().open())
        .column("high", r -> r.candle().high())
        .column("low", r -> r.candle().low())
        .column("close", r -> r.candle().close())
        .column("volume", r -> r.candle().volume())
        .onConflictDoNothing(MarketTables.CANDLES_KEY)
        .build();
  }

  @Override
  public String name() {
    return source.name();
  }

  @Override
  public int maxKeysPerCall() {
    return source.maxKeysPerCall();
  }

  @Override
  public long weight(List<String> keys) {
    return source.weight(keys);
  }

  @Override
  public boolean isRetryable(Throwable failure) {
    return source.isRetryable(failure);
  }

  @Override
  public CompletableFuture<SourceReply<String, List<Candle>>> fetch(List<String> keys) {
    return source.fetch(keys).thenApply(reply -> {
      reply.values().forEach(this::record);
      return reply;
    });
  }

  /** Rows the writer refused: its buffer was full, or it was closed while a late reply came in. */
  long notWritten() {
    return notWritten.sum();
  }

  private void record(String symbol, List<Candle> candles) {
    // compute() holds the symbol's entry, so two replies for one symbol never write a minute twice.
    newestWritten.compute(symbol, (s, newest) -> {
      long written = newest == null ? Long.MIN_VALUE : newest;
      for (Candle candle : candles) {
        if (candle.closed() && candle.openTime() > written) {
          if (offer(new Row(symbol, candle))) {
            written = candle.openTime();
          }
        }
      }
      return written == Long.MIN_VALUE ? null : written;
    });
  }

  private boolean offer(Row row) {
    try {
      if (writer.write(row)) {
        return true;
      }
    } catch (IllegalStateException closed) {
      // The service is stopping: the engine's late replies come after the writer closed.
    }
    notWritten.increment();
    return false;
  }
}
