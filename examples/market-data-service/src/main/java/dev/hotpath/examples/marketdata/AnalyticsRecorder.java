package dev.hotpath.examples.marketdata;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
 *
 * <p>An indicator is recomputed over the whole window of candles each time its cache entry
 * expires, but only its newest points are new: each series remembers the newest candle it was
 * recorded up to and sends only the rows after it. The marks are bounded ({@value #MARKS} series);
 * a series whose mark was dropped is sent whole once more, and the table's key skips what is
 * there. A mark moves only when every row after it was accepted, so rows a full buffer refused are
 * sent again with the next computation.
 */
final class AnalyticsRecorder implements AutoCloseable {
  static final int FAST = 9;
  static final int SLOW = 21;
  static final int MARKS = 100_000;

  /** A row of {@code indicator_values}. */
  record IndicatorRow(IndicatorService.Series series, IndicatorService.Point point) {}

  /** A row of {@code signals}. */
  record SignalRow(String symbol, Timeframe timeframe, String kind, long openTime, String payload) {}

  private final TimeSeriesWriter<IndicatorRow> indicators;
  private final TimeSeriesWriter<SignalRow> signals;
  private final LongAdder notWritten = new LongAdder();
  /** Per series, the open time (epoch ms) of the newest candle its rows were recorded up to. */
  private final Cache<String, Long> recordedUpTo = Caffeine.newBuilder().maximumSize(MARKS).build();

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

  /** Records the points of an indicator just computed that are newer than those recorded. */
  void indicator(IndicatorService.Series series) {
    String key = series.symbol() + ":" + series.timeframe() + ":" + series.kind() + ":" + series.period();
    long upTo = upTo(key);
    long newest = upTo;
    boolean accepted = true;
    for (IndicatorService.Point point : series.points()) {
      if (point.openTime() > upTo) {
        accepted &= offer(indicators, new IndicatorRow(series, point));
        newest = Math.max(newest, point.openTime());
      }
    }
    advance(key, accepted, newest);
  }

  /** Records the SMA crosses of a series' closed candles, oldest first, newer than those recorded. */
  void signals(String symbol, Timeframe timeframe, List<Candle> closed) {
    List<Double> closes = closed.stream().map(c -> c.close().doubleValue()).toList();
    if (closes.size() <= SLOW) {
      return;
    }
    String key = symbol + ":" + timeframe;
    long upTo = upTo(key);
    List<Double> fast = Indicators.sma(FAST, closes);
    List<Double> slow = Indicators.sma(SLOW, closes);
    boolean accepted = true;
    for (Indicators.Cross cross : Indicators.smaCrosses(FAST, SLOW, closes)) {
      int i = cross.index();
      if (closed.get(i).openTime() <= upTo) {
        continue;
      }
      String payload = String.format(Locale.ROOT, "{\"close\":%s,\"smaFast\":%s,\"smaSlow\":%s,\"fast\":%d,\"slow\":%d}",
          closed.get(i).close().toPlainString(), fast.get(i - FAST + 1), slow.get(i - SLOW + 1), FAST, SLOW);
      accepted &= offer(signals, new SignalRow(symbol, timeframe, cross.up() ? "sma_cross_up" : "sma_cross_down",
          closed.get(i).openTime(), payload));
    }
    // A candle without a cross is final too (the candles are closed): the mark passes it.
    advance(key, accepted, closed.get(closed.size() - 1).openTime());
  }

  private long upTo(String key) {
    Long mark = recordedUpTo.getIfPresent(key);
    return mark == null ? Long.MIN_VALUE : mark;
  }

  private void advance(String key, boolean accepted, long newest) {
    if (accepted && newest != Long.MIN_VALUE) {
      recordedUpTo.asMap().merge(key, newest, Math::max);
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

  /** Hands the row to the writer; false (and counted) when it was refused. */
  private <R> boolean offer(TimeSeriesWriter<R> writer, R row) {
    try {
      if (writer.write(row)) {
        return true;
      }
    } catch (IllegalStateException closed) {
      // The service is stopping.
    }
    notWritten.increment();
    return false;
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
