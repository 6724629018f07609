package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.TypeToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs the snippet proposed for the README's timeframes paragraph, character for character. */
class TimeframesReadmeSnippetTest {

  @Test
  void theProposedReadmeSnippetRuns() {
    RollupSourceTest.FakeOneMinute fake = new RollupSourceTest.FakeOneMinute(Map.of(
        "BTCUSDT", latest1000(new Random(1)), "ETHUSDT", latest1000(new Random(2))), 1);
    Source<String, List<Candle>> klines = fake;

    // README snippet timeframes: begin
    RollupSource candles = RollupSource.over(klines);   // a Source<SeriesKey, List<Candle>> made of 1m candles
    List<SeriesKey> keys = new ArrayList<>();
    for (String symbol : List.of("BTCUSDT", "ETHUSDT")) {
      for (Timeframe timeframe : Timeframe.standard()) { // 1m, 5m, 15m, 1h, 4h, 1d
        keys.add(SeriesKey.of(symbol, timeframe));      // symbol by symbol: one 1m call serves all six
      }
    }
    Map<SeriesKey, List<Candle>> series = candles.fetch(keys).join().values(); // 2 calls of klines, not 12
    List<Candle> hours = series.get(SeriesKey.parse("BTCUSDT:1h"));            // oldest first; the newest is not closed
    Instant h4 = Timeframe.H4.bucketStart(Instant.parse("2024-01-01T13:47:30Z")); // 12:00Z, as exchanges align it

    TypeToken<List<Candle>> listOfCandles = new TypeToken<>() {};
    NamespaceSpec<SeriesKey, List<Candle>> ohlc =
        NamespaceSpec.builder("ohlc", TypeToken.of(SeriesKey.class), listOfCandles)
            .ttl(TtlProfile.OHLC_HISTORICAL)
            .keyCodec(SeriesKey.keyCodec())               // stored as BTCUSDT:1h
            .valueCodec(JsonCodec.of(listOfCandles))      // Candle is a record: plain Jackson, no module
            .build();
    // README snippet timeframes: end

    assertThat(fake.calls).hasSize(2);
    assertThat(series).hasSize(12);
    assertThat(hours).isNotEmpty().last().extracting(Candle::closed).isEqualTo(false);
    assertThat(h4).isEqualTo("2024-01-01T12:00:00Z");
    assertThat(ohlc.keyCodec().encode(SeriesKey.parse("BTCUSDT:1h"))).isEqualTo("BTCUSDT:1h");
  }

  /** The latest 1,000 minutes, the last one still open (so the test holds across a minute boundary). */
  private static List<Candle> latest1000(Random random) {
    Instant first = Timeframe.M1.bucketStart(Instant.now()).minusSeconds(999 * 60);
    List<Candle> minutes = new ArrayList<>(CandleSeries.random(random, first, 1_000, 0, 0));
    Candle last = minutes.remove(999);
    minutes.add(new Candle(Timeframe.M1, last.openTime(), last.open(), last.high(), last.low(), last.close(), last.volume(), false));
    return minutes;
  }
}
