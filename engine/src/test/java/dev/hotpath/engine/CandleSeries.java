package dev.hotpath.engine;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random 1m series for property tests: a random walk with gaps, prices of one scale per series. */
final class CandleSeries {
  private CandleSeries() {}

  /**
   * {@code minutes} consecutive minutes from {@code start} (a minute boundary), each present unless
   * a gap removes it: single missing minutes with probability {@code gapChance}, and now and then a
   * run of up to a few hours. Every candle is closed except, with probability {@code openChance},
   * a random one.
   */
  static List<Candle> random(Random random, Instant start, int minutes, double gapChance, double openChance) {
    int scale = random.nextInt(5);
    BigDecimal price = BigDecimal.valueOf(1 + random.nextInt(100_000), 0).setScale(scale, RoundingMode.UNNECESSARY);
    List<Candle> series = new ArrayList<>(minutes);
    for (int i = 0; i < minutes; i++) {
      if (random.nextDouble() < gapChance / 20) {
        i += random.nextInt(300); // an outage
        continue;
      }
      BigDecimal open = price;
      BigDecimal close = open.add(step(random, scale));
      BigDecimal high = open.max(close).add(step(random, scale).abs());
      BigDecimal low = open.min(close).subtract(step(random, scale).abs());
      BigDecimal volume = random.nextInt(10) == 0
          ? BigDecimal.ZERO.setScale(3)
          : BigDecimal.valueOf(random.nextInt(1_000_000), 3);
      price = close;
      if (random.nextDouble() < gapChance) {
        continue; // a missing minute
      }
      boolean closed = random.nextDouble() >= openChance;
      series.add(Candle.of(Timeframe.M1, start.plusSeconds(60L * i), open, high, low, close, volume, closed));
    }
    return series;
  }

  private static BigDecimal step(Random random, int scale) {
    return BigDecimal.valueOf(random.nextInt(2_001) - 1_000, scale);
  }

  static Candle minute(String start, String open, String high, String low, String close, String volume) {
    return Candle.of(Timeframe.M1, Instant.parse(start), new BigDecimal(open), new BigDecimal(high), new BigDecimal(low),
        new BigDecimal(close), new BigDecimal(volume), true);
  }
}
