package dev.hotpath.engine;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Derives candles of any {@link Timeframe} from 1m candles: per bucket, the first open, the highest
 * high, the lowest low, the last close and the summed volume.
 *
 * <ul>
 *   <li><b>Order.</b> The 1m candles may come in any order; they are sorted by open time. Two 1m
 *       candles with the same open time are an error.
 *   <li><b>Gaps.</b> A bucket with no 1m candle at all yields no candle: the result skips it, and
 *       never invents a flat candle. A bucket with some of its minutes aggregates the minutes that
 *       are there (its open is the first present minute's open, its close the last one's close).
 *   <li><b>Closed.</b> A derived candle is closed when its bucket has ended at {@code now} (its end
 *       is at or before {@code now}) and every 1m candle in it is closed. So the bucket that holds
 *       {@code now} is never closed, and a roll-up is never more final than its inputs. A bucket
 *       whose time is over is closed even if minutes of it are missing.
 *   <li><b>Ties.</b> When two minutes share the highest high (or lowest low) in different scales,
 *       such as {@code 1.0} and {@code 1.00}, the earlier one's is kept.
 * </ul>
 *
 * <p>Rolling up to {@link Timeframe#M1} returns the sorted input, with {@code closed} computed by
 * the same rule. Stateless and thread-safe; every result is an unmodifiable list in time order.
 */
public final class CandleRollup {
  private CandleRollup() {}

  /**
   * The {@code target} candles made of {@code oneMinute}, oldest first.
   *
   * @param oneMinute 1m candles, in any order
   * @param target the timeframe to derive
   * @param now the time that decides which buckets are over (usually {@code clock.instant()})
   * @throws IllegalArgumentException when a candle is not a 1m candle, or two open at the same time
   */
  public static List<Candle> rollUp(Collection<Candle> oneMinute, Timeframe target, Instant now) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(now, "now");
    return aggregate(sorted(oneMinute), target, now);
  }

  /**
   * The candles of every timeframe of {@code targets}, made of the same {@code oneMinute} candles
   * (sorted once); by timeframe, shortest first.
   *
   * @throws IllegalArgumentException when a candle is not a 1m candle, or two open at the same time
   */
  public static Map<Timeframe, List<Candle>> rollUp(
      Collection<Candle> oneMinute, Collection<Timeframe> targets, Instant now) {
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(now, "now");
    List<Candle> sorted = sorted(oneMinute);
    Map<Timeframe, List<Candle>> byTimeframe = new TreeMap<>();
    for (Timeframe target : targets) {
      Objects.requireNonNull(target, "targets contains null");
      byTimeframe.computeIfAbsent(target, t -> aggregate(sorted, t, now));
    }
    return Collections.unmodifiableMap(byTimeframe);
  }

  /** {@code oneMinute} in time order, checked. */
  static List<Candle> sorted(Collection<Candle> oneMinute) {
    Objects.requireNonNull(oneMinute, "oneMinute");
    List<Candle> sorted = new ArrayList<>(oneMinute.size());
    for (Candle candle : oneMinute) {
      Objects.requireNonNull(candle, "oneMinute contains null");
      if (!candle.timeframe().equals(Timeframe.M1)) {
        throw new IllegalArgumentException(
            "a roll-up takes 1m candles but got a " + candle.timeframe() + " candle: " + candle);
      }
      sorted.add(candle);
    }
    sorted.sort(Comparator.comparingLong(Candle::openTime));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).openTime() == sorted.get(i - 1).openTime()) {
        throw new IllegalArgumentException("two 1m candles open at " + sorted.get(i).start());
      }
    }
    return sorted;
  }

  /** The {@code target} candles of {@code sorted}, which is in time order. */
  static List<Candle> aggregate(List<Candle> sorted, Timeframe target, Instant now) {
    long length = target.millis();
    List<Candle> out = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      Candle first = sorted.get(i);
      long start = Math.floorDiv(first.openTime(), length) * length;
      long end = start + length;
      BigDecimal high = first.high();
      BigDecimal low = first.low();
      BigDecimal volume = first.volume();
      boolean allClosed = first.closed();
      Candle last = first;
      int j = i + 1;
      for (; j < sorted.size() && sorted.get(j).openTime() < end; j++) {
        last = sorted.get(j);
        high = high.max(last.high());
        low = low.min(last.low());
        volume = volume.add(last.volume());
        allClosed &= last.closed();
      }
      boolean over = !now.isBefore(Instant.ofEpochMilli(end));
      out.add(new Candle(target, start, first.open(), high, low, last.close(), volume, allClosed && over));
      i = j;
    }
    return Collections.unmodifiableList(out);
  }
}
