package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.BatchResult;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.FailureKind;
import dev.hotpath.engine.ItemFailure;
import dev.hotpath.engine.Priority;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.engine.Timeframe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Indicators computed from the closed candles of a series and cached in their own namespace,
 * {@code indicators}, keyed {@code BTCUSDT:1h:rsi:14}, in every tier the candles use and for as
 * long: an indicator is as fresh as the candles it came from. Each one computed is also recorded
 * ({@link AnalyticsRecorder}: its values, and the SMA crosses of the same candles as signals).
 * Thread-safe.
 */
final class IndicatorService {
  /** The most candles one indicator is computed from, and so the longest period. */
  static final int MAX_PERIOD = 500;

  /** One indicator value: the candle's open time (epoch ms) and the value. */
  record Point(long openTime, double value) {}

  /** What the namespace holds: an indicator's values over the closed candles, oldest first. */
  record Series(String symbol, String timeframe, String kind, int period, List<Point> points) {}

  private final Namespace<String, Series> cache;
  private final BatchEngine<SeriesKey, List<Candle>> candles;
  private final AnalyticsRecorder recorder;

  IndicatorService(Namespace<String, Series> cache, BatchEngine<SeriesKey, List<Candle>> candles,
      AnalyticsRecorder recorder) {
    this.cache = cache;
    this.candles = candles;
    this.recorder = recorder;
  }

  /** The namespace's spec: no loader (values are computed here), the candles' TTL. */
  static NamespaceSpec<String, Series> namespace(TtlProfile ttl) {
    return NamespaceSpec.builder("indicators", String.class, Series.class)
        .ttl(ttl)
        .maximumSize(50_000)
        .valueCodec(JsonCodec.of(Series.class))
        .build();
  }

  /**
   * The indicator, from the first tier that holds it or computed from the series' closed candles
   * (through the engine: cache first, then the exchange).
   *
   * @throws ApiException 404 when the exchange has no such series, 503 when the candles could not
   *     be had in time
   */
  Series get(String symbol, Timeframe timeframe, Indicators.Kind kind, int period) throws InterruptedException {
    String key = symbol + ":" + timeframe + ":" + kind.name().toLowerCase() + ":" + period;
    Series cached = cache.get(key);
    if (cached != null) {
      return cached;
    }
    SeriesKey series = SeriesKey.of(symbol, timeframe);
    BatchResult<SeriesKey, List<Candle>> result = candles.process(
        BatchRequest.of(List.of(series)).priority(Priority.HIGH).deadline(Duration.ofSeconds(10)));
    List<Candle> values = result.value(series);
    if (values == null) {
      ItemFailure failure = result.failures().get(series);
      throw failure != null && failure.kind() == FailureKind.NOT_FOUND
          ? new ApiException(404, "symbol", "has no " + timeframe + " candles at the exchange")
          : new ApiException(503, null, "the candles of " + series + " could not be had now: " + failure);
    }
    List<Candle> closed = values.stream().filter(Candle::closed).toList();
    List<Double> closes = closed.stream().map(c -> c.close().doubleValue()).toList();
    List<Double> computed = Indicators.compute(kind, period, closes);
    int first = kind.firstIndex(period);
    List<Point> points = new ArrayList<>(computed.size());
    for (int i = 0; i < computed.size(); i++) {
      points.add(new Point(closed.get(first + i).openTime(), computed.get(i)));
    }
    Series computedSeries = new Series(symbol, timeframe.toString(), kind.name().toLowerCase(), period, points);
    cache.put(key, computedSeries);
    recorder.indicator(computedSeries);
    recorder.signals(symbol, timeframe, closed);
    return computedSeries;
  }
}
