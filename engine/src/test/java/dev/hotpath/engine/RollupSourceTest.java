package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RollupSourceTest {

  private static final Instant NOW = Instant.parse("2024-03-04T17:00:30Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  /**
   * The claim: 25 symbols × the 6 standard timeframes, cold, listed symbol by symbol and
   * cut into fetches of the default 60 keys as the engine would, make 25 calls of the 1m source
   * (not 150), each symbol once, and every series equals the direct roll-up of that symbol's 1m
   * candles.
   */
  @Test
  void aColdPassOverSymbolsTimesSixTimeframesCallsTheOneMinuteSourceOncePerSymbol() {
    Map<String, List<Candle>> minutes = threeDaysOfMinutes(25, new Random(10));
    FakeOneMinute oneMinute = new FakeOneMinute(minutes, 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    List<SeriesKey> keys = symbolByTimeframe(minutes.keySet());
    assertThat(keys).hasSize(150);

    Map<SeriesKey, List<Candle>> values = new HashMap<>();
    long weight = 0;
    int fetches = 0;
    for (int from = 0; from < keys.size(); from += source.maxKeysPerCall()) {
      List<SeriesKey> chunk = keys.subList(from, Math.min(keys.size(), from + source.maxKeysPerCall()));
      weight += source.weight(chunk);
      values.putAll(source.fetch(chunk).join().values());
      fetches++;
    }

    assertThat(fetches).isEqualTo(3);
    assertThat(oneMinute.calls).hasSize(25);
    assertThat(oneMinute.calls.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(minutes.keySet());
    assertThat(weight).isEqualTo(25 * FakeOneMinute.WEIGHT_PER_SYMBOL);
    assertThat(values).hasSize(150);
    for (SeriesKey key : keys) {
      assertThat(values.get(key)).as(key.toString())
          .isNotEmpty()
          .isEqualTo(CandleRollup.rollUp(minutes.get(key.symbol()), key.timeframe(), NOW));
    }
    assertThat(values.get(SeriesKey.parse("S00:1d"))).extracting(Candle::closed).containsExactly(true, true, true, false);
  }

  @Test
  void oneFetchOfEveryKeyMakesOneCallPerSymbolToo() {
    Map<String, List<Candle>> minutes = threeDaysOfMinutes(25, new Random(11));
    FakeOneMinute oneMinute = new FakeOneMinute(minutes, 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).maxKeysPerCall(150).build();
    List<SeriesKey> keys = new ArrayList<>(symbolByTimeframe(minutes.keySet()));
    Collections.shuffle(keys, new Random(3)); // within one fetch, order does not matter

    SourceReply<SeriesKey, List<Candle>> reply = source.fetch(keys).join();

    assertThat(oneMinute.calls).hasSize(25);
    assertThat(reply.values()).hasSize(150);
    assertThat(reply.usedWeight()).hasValue(125); // the highest the 1m replies reported
    reply.values().forEach((key, candles) ->
        assertThat(candles).isEqualTo(CandleRollup.rollUp(minutes.get(key.symbol()), key.timeframe(), NOW)));
  }

  @Test
  void aOneMinuteSourceThatTakesSeveralSymbolsPerCallGetsThemTogether() {
    Map<String, List<Candle>> minutes = threeDaysOfMinutes(10, new Random(12));
    FakeOneMinute oneMinute = new FakeOneMinute(minutes, 4);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    List<SeriesKey> keys = symbolByTimeframe(minutes.keySet());

    assertThat(source.weight(keys)).isEqualTo(10 * FakeOneMinute.WEIGHT_PER_SYMBOL);
    assertThat(source.fetch(keys).join().values()).hasSize(60);
    assertThat(oneMinute.calls).extracting(List::size).containsExactly(4, 4, 2);
  }

  @Test
  void aSymbolWhoseKeysAreSplitBetweenTwoFetchesIsFetchedByBoth() {
    Map<String, List<Candle>> minutes = threeDaysOfMinutes(1, new Random(13));
    FakeOneMinute oneMinute = new FakeOneMinute(minutes, 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    List<SeriesKey> keys = symbolByTimeframe(minutes.keySet());
    source.fetch(keys.subList(0, 3)).join();
    source.fetch(keys.subList(3, 6)).join();
    assertThat(oneMinute.calls).containsExactly(List.of("S00"), List.of("S00"));
  }

  /**
   * The latest 1,000 minutes at 17:00:30 reach back to 00:21: every 5m, 15m, 1h and 4h bucket that
   * starts before 00:21 would be cut, so it is dropped, and no 1d candle can be made.
   */
  @Test
  void theBucketTheLookbackCutsIsDroppedAndTheCountsAreTheDocumentedOnes() {
    Instant firstMinute = Instant.parse("2024-03-04T00:21:00Z");
    List<Candle> latest1000 = CandleSeries.random(new Random(14), firstMinute, 1_000, 0, 0);
    assertThat(latest1000.get(999).start()).isEqualTo(Timeframe.M1.bucketStart(NOW));
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of("BTCUSDT", latest1000), 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();

    Map<SeriesKey, List<Candle>> values = source.fetch(symbolByTimeframe(List.of("BTCUSDT"))).join().values();

    Map<String, Integer> sizes = new LinkedHashMap<>();
    values.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(SeriesKey::timeframe)))
        .forEach(e -> sizes.put(e.getKey().timeframe().toString(), e.getValue().size()));
    assertThat(sizes).containsExactly(
        Map.entry("1m", 1_000), Map.entry("5m", 200), Map.entry("15m", 67), Map.entry("1h", 17), Map.entry("4h", 4), Map.entry("1d", 0));
    assertThat(values.get(SeriesKey.parse("BTCUSDT:5m")).get(0).start()).isEqualTo("2024-03-04T00:25:00Z");
    assertThat(values.get(SeriesKey.parse("BTCUSDT:4h"))).extracting(Candle::start).containsExactly(
        Instant.parse("2024-03-04T04:00:00Z"), Instant.parse("2024-03-04T08:00:00Z"),
        Instant.parse("2024-03-04T12:00:00Z"), Instant.parse("2024-03-04T16:00:00Z"));
    for (Timeframe timeframe : List.of(Timeframe.M5, Timeframe.M15, Timeframe.H1, Timeframe.H4)) {
      List<Candle> direct = CandleRollup.rollUp(latest1000, timeframe, NOW);
      assertThat(values.get(SeriesKey.of("BTCUSDT", timeframe))).isEqualTo(direct.subList(1, direct.size()));
      assertThat(direct.get(0).start()).isBefore(firstMinute);
    }
    values.values().stream().filter(l -> !l.isEmpty()).forEach(l -> {
      assertThat(l.get(l.size() - 1).closed()).isFalse();
      assertThat(l.subList(0, l.size() - 1)).allMatch(Candle::closed);
    });
  }

  @Test
  void aDayCandleNeedsTheMinutesSinceMidnight() {
    Instant midnight = Instant.parse("2024-03-04T00:00:00Z");
    List<Candle> sinceMidnight = CandleSeries.random(new Random(15), midnight, 1_021, 0, 0);
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of("BTCUSDT", sinceMidnight), 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    List<Candle> day = source.fetch(List.of(SeriesKey.parse("BTCUSDT:1d"))).join().values().get(SeriesKey.parse("BTCUSDT:1d"));
    assertThat(day).isEqualTo(CandleRollup.rollUp(sinceMidnight, Timeframe.D1, NOW)).hasSize(1);
    assertThat(day.get(0).closed()).isFalse();
  }

  @Test
  void aSymbolTheSourceLeftOutIsLeftOutAndAnEmptySeriesStaysEmpty() {
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of("EMPTY", List.of()), 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    Map<SeriesKey, List<Candle>> values = source.fetch(symbolByTimeframe(List.of("EMPTY", "GONE"))).join().values();
    assertThat(values).hasSize(6).allSatisfy((key, candles) -> {
      assertThat(key.symbol()).isEqualTo("EMPTY");
      assertThat(candles).isEmpty();
    });
  }

  @Test
  void aOneMinuteSeriesWithAnotherTimeframeFailsTheFetchNamingTheSymbol() {
    Candle fiveMinutes = CandleRollupTest.candle(Timeframe.M5, "2024-03-04T17:00:00Z", "1", "1", "1", "1", "1", false);
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of("ETHUSDT", List.of(fiveMinutes)), 1);
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    CompletableFuture<SourceReply<SeriesKey, List<Candle>>> reply = source.fetch(List.of(SeriesKey.parse("ETHUSDT:1h")));
    Throwable failure = failureOf(reply);
    assertThat(failure)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source 'klines-1m' returned a bad 1m series for ETHUSDT: a roll-up takes 1m candles but got a 5m candle: " + fiveMinutes);
    assertThat(source.isRetryable(failure)).isFalse();
    assertThat(source.isRetryable(new CompletionException(failure))).isFalse();
  }

  @Test
  void aRefusalOfAnyCallIsTheFetchsFailureBansFirst() {
    SourceRefusedException slowDown = new SourceRefusedException(429, Duration.ofSeconds(30), 1_200);
    SourceRefusedException ban = new SourceRefusedException(418, Duration.ofSeconds(5), -1);
    RuntimeException timeout = new RuntimeException("read timed out");
    Map<String, Function<List<String>, CompletableFuture<SourceReply<String, List<Candle>>>>> behaviour = Map.of(
        "A", k -> CompletableFuture.failedFuture(timeout),
        "B", k -> CompletableFuture.failedFuture(slowDown),
        "C", k -> CompletableFuture.failedFuture(ban),
        "D", k -> { throw timeout; });
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of(), 1) {
      @Override
      public CompletableFuture<SourceReply<String, List<Candle>>> fetch(List<String> keys) {
        super.fetch(keys);
        return behaviour.get(keys.get(0)).apply(keys);
      }
    };
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();

    assertThat(failureOf(source.fetch(symbolByTimeframe(List.of("A", "B", "C"))))).isSameAs(ban);
    assertThat(failureOf(source.fetch(symbolByTimeframe(List.of("A", "B"))))).isSameAs(slowDown);
    assertThat(failureOf(source.fetch(symbolByTimeframe(List.of("A"))))).isSameAs(timeout);
    assertThat(failureOf(source.fetch(symbolByTimeframe(List.of("D"))))).isSameAs(timeout); // thrown, not returned
    assertThat(source.isRetryable(new CompletionException(timeout))).isTrue();
  }

  @Test
  void repliesThatCompleteLaterAndInAnyOrderAreCombined() {
    Map<String, List<Candle>> minutes = threeDaysOfMinutes(3, new Random(16));
    List<CompletableFuture<SourceReply<String, List<Candle>>>> pending = new ArrayList<>();
    List<List<String>> asked = new ArrayList<>();
    FakeOneMinute oneMinute = new FakeOneMinute(minutes, 1) {
      @Override
      public CompletableFuture<SourceReply<String, List<Candle>>> fetch(List<String> keys) {
        super.fetch(keys);
        asked.add(keys);
        CompletableFuture<SourceReply<String, List<Candle>>> reply = new CompletableFuture<>();
        pending.add(reply);
        return reply;
      }
    };
    RollupSource source = RollupSource.builder(oneMinute).clock(CLOCK).build();
    CompletableFuture<SourceReply<SeriesKey, List<Candle>>> result = source.fetch(symbolByTimeframe(minutes.keySet()));
    assertThat(pending).hasSize(3);
    for (int i = 2; i >= 0; i--) {
      assertThat(result).isNotDone();
      String symbol = asked.get(i).get(0);
      pending.get(i).complete(SourceReply.of(Map.of(symbol, minutes.get(symbol)), 10L * i));
    }
    SourceReply<SeriesKey, List<Candle>> reply = result.join();
    assertThat(reply.values()).hasSize(18);
    assertThat(reply.usedWeight()).hasValue(20);
  }

  @Test
  void fetchTakesOneToMaxKeysPerCallKeys() {
    RollupSource source = RollupSource.builder(new FakeOneMinute(Map.of(), 1)).maxKeysPerCall(6).build();
    assertThatThrownBy(() -> source.fetch(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source 'klines-1m-rollup' fetches 1 to 6 keys per call but was given 0");
    assertThatThrownBy(() -> source.fetch(symbolByTimeframe(List.of("A", "B"))))
        .hasMessage("source 'klines-1m-rollup' fetches 1 to 6 keys per call but was given 12");
    assertThatThrownBy(() -> source.fetch(null)).isInstanceOf(NullPointerException.class).hasMessage("keys");
  }

  @Test
  void theBuilderFailsFastAndNamesWhatIsWrong() {
    FakeOneMinute oneMinute = new FakeOneMinute(Map.of(), 1);
    assertThatThrownBy(() -> RollupSource.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("oneMinute");
    assertThatThrownBy(() -> RollupSource.builder(new FakeOneMinute(Map.of(), 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("oneMinute.maxKeysPerCall() must be positive but was 0 (source 'klines-1m')");
    assertThatThrownBy(() -> RollupSource.builder(oneMinute).maxKeysPerCall(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxKeysPerCall must be positive but was 0");
    assertThatThrownBy(() -> RollupSource.builder(oneMinute).maxKeysPerCall(6).maxKeysPerCall(12))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxKeysPerCall was already set");
    assertThatThrownBy(() -> RollupSource.builder(oneMinute).clock(CLOCK).clock(CLOCK))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clock was already set");

    RollupSource defaults = RollupSource.over(oneMinute);
    assertThat(defaults.name()).isEqualTo("klines-1m-rollup");
    assertThat(defaults.maxKeysPerCall()).isEqualTo(RollupSource.DEFAULT_MAX_KEYS_PER_CALL).isEqualTo(60);
    assertThat(defaults).hasToString("RollupSource[klines-1m-rollup, maxKeysPerCall 60, SystemClock[Z]]");
  }

  @Test
  void weightCountsEachSymbolOnce() {
    RollupSource source = RollupSource.over(new FakeOneMinute(Map.of(), 1));
    assertThat(source.weight(List.of(SeriesKey.parse("A:1m"), SeriesKey.parse("A:1h"), SeriesKey.parse("B:1d"))))
        .isEqualTo(2 * FakeOneMinute.WEIGHT_PER_SYMBOL);
  }

  // ---------------------------------------------------------------------------------------------

  /** Symbols S00, S01, …: every minute from three days before NOW's day to NOW, with a few gaps. */
  static Map<String, List<Candle>> threeDaysOfMinutes(int symbols, Random random) {
    Instant start = Timeframe.D1.bucketStart(NOW).minus(Duration.ofDays(3));
    int minutes = (int) Duration.between(start, NOW).toMinutes() + 1;
    Map<String, List<Candle>> series = new LinkedHashMap<>();
    for (int s = 0; s < symbols; s++) {
      List<Candle> candles = new ArrayList<>(CandleSeries.random(random, start, minutes, 0.02, 0));
      if (!candles.get(0).start().equals(start)) { // keep the first minute, so no bucket is cut
        candles.add(0, Candle.of(Timeframe.M1, start, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ZERO, true));
      }
      series.put(String.format("S%02d", s), candles);
    }
    return series;
  }

  /** Every standard timeframe of the first symbol, then of the second, … */
  static List<SeriesKey> symbolByTimeframe(Iterable<String> symbols) {
    List<SeriesKey> keys = new ArrayList<>();
    for (String symbol : symbols) {
      for (Timeframe timeframe : Timeframe.standard()) {
        keys.add(SeriesKey.of(symbol, timeframe));
      }
    }
    return keys;
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    return future.handle((value, failure) -> failure).join();
  }

  /** A 1m source over fixed series that records its calls; weight 2 per symbol, like Binance's klines. */
  static class FakeOneMinute implements Source<String, List<Candle>> {
    static final long WEIGHT_PER_SYMBOL = 2;
    final Map<String, List<Candle>> series;
    final int maxKeysPerCall;
    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());

    FakeOneMinute(Map<String, List<Candle>> series, int maxKeysPerCall) {
      this.series = series;
      this.maxKeysPerCall = maxKeysPerCall;
    }

    @Override
    public String name() {
      return "klines-1m";
    }

    @Override
    public int maxKeysPerCall() {
      return maxKeysPerCall;
    }

    @Override
    public long weight(List<String> keys) {
      return WEIGHT_PER_SYMBOL * keys.size();
    }

    @Override
    public CompletableFuture<SourceReply<String, List<Candle>>> fetch(List<String> keys) {
      assertThat(keys).doesNotHaveDuplicates().hasSizeBetween(1, maxKeysPerCall);
      calls.add(List.copyOf(keys));
      Map<String, List<Candle>> found = new HashMap<>();
      for (String key : keys) {
        if (series.containsKey(key)) {
          found.put(key, series.get(key));
        }
      }
      return CompletableFuture.completedFuture(SourceReply.of(found, 100 + calls.size()));
    }
  }
}
