package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.TimeSeriesWriter;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Writes what the service computes from candles to PostgreSQL, off the request path: the values of
 * each indicator computed for {@code /api/indicators} to {@code indicator_values}, and the crosses
 * of the SMA {@value #FAST} over the SMA {@value #SLOW} of the same closed candles to {@code
 * signals} ({@code sma_cross_up} / {@code sma_cross_down}, the close and both averages in {@code
 * payload}). Rows already there are skipped (see {@link MarketTables}). Thread-safe.
 */
final class AnalyticsRecorder implements AutoCloseable {
  static final int FAST = 9;
  static final int SLOW = 21;

  /** A row of {@code indicator_values}. */
  record IndicatorRow(IndicatorService.Series series, IndicatorService.Point point) {}

  /** A row of {@code signals}. */
  record SignalRow(String symbol, Timeframe timeframe, String kind, long openTime, String payload) {}

  private final TimeSeriesWriter<IndicatorRow> indicators;
  private final TimeSeriesWriter<SignalRow> signals;
  private final LongAdder notWritten = new LongAdder();

  AnalyticsRecorder(DataSource pool, String schema) {
    this.indicators = TimeSeriesWriter.<IndicatorRow>builder().dataSource(pool).schema(schema)
        .table(MarketTables.INDICATORS)
        .column("symbol", r -> r.series().symbol())
        .column("timeframe", r -> r.series().timeframe())
        .column("kind", r -> r.series().kind())
        .column("period", r -> r.series().period())
        .column("ts", r -> Instant.ofEpochMilli(r.point().openTime()))
        .column("value", r -> r.point().value())
        .onConflictDoNothing(MarketTables.INDICATORS_KEY)
        .overflow(TimeSeriesWriter.Overflow.REJECT)
        .build();
    this.signals = TimeSeriesWriter.<SignalRow>builder().dataSource(pool).schema(schema)
        .table(MarketTables.SIGNALS)
        .column("symbol", SignalRow::symbol)
        .column("timeframe", r -> r.timeframe().toString())
        .column("ts", r -> Instant.ofEpochMilli(r.openTime()))
        .column("kind", SignalRow::kind)
        .column("payload", SignalRow::payload)
        .onConflictDoNothing(MarketTables.SIGNALS_KEY)
        .overflow(TimeSeriesWriter.Overflow.REJECT)
        .build();
  }

  /** Records an indicator just computed. */
  void indicator(IndicatorService.Series series) {
    for (IndicatorService.Point point : series.points()) {
      offer(indicators, new IndicatorRow(series, point));
    }
  }

  /** Records the SMA crosses of a series' closed candles, oldest first. */
  void signals(String symbol, Timeframe timeframe, List<Candle> closed) {
    List<Double> closes = closed.stream().map(c -> c.close().doubleValue()).toList();
    if (closes.size() <= SLOW) {
      return;
    }
    List<Double> fast = Indicators.sma(FAST, closes);
    List<Double> slow = Indicators.sma(SLOW, closes);
    for (Indicators.Cross cross : Indicators.smaCrosses(FAST, SLOW, closes)) {
      int i = cross.index();
      String payload = String.format(Locale.ROOT, "{\"close\":%s,\"smaFast\":%s,\"smaSlow\":%s,\"fast\":%d,\"slow\":%d}",
          closed.get(i).close().toPlainString(), fast.get(i - FAST + 1), slow.get(i - SLOW + 1), FAST, SLOW);
      offer(signals, new SignalRow(symbol, timeframe, cross.up() ? "sma_cross_up" : "sma_cross_down",
          closed.get(i).openTime(), payload));
    }
  }

  /** Rows refused because a writer's buffer was full or it was closed. */
  long notWritten() {
    return notWritten.sum();
  }

  /** Waits for the rows recorded so far to be written; false when {@code timeout} passed first. */
  boolean flush(java.time.Duration timeout) {
    return indicators.flush(timeout) & signals.flush(timeout);
  }

  TimeSeriesWriter<IndicatorRow> indicatorWriter() {
    return indicators;
  }

  TimeSeriesWriter<SignalRow> signalWriter() {
    return signals;
  }

  private <R> void offer(TimeSeriesWriter<R> writer, R row) {
    try {
      if (writer.write(row)) {
        return;
      }
    } catch (IllegalStateException closed) {
      // The service is stopping.
    }
    notWritten.increment();
  }

  /** Writes what is buffered and closes both writers. */
  @Override
  public void close() {
    try {
      indicators.close();
    } finally {
      signals.close();
    }
  }
}
