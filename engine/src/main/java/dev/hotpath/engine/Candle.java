package dev.hotpath.engine;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One OHLCV candle: the trades of one bucket of a {@link Timeframe}, from {@link #start()}
 * (inclusive) to {@link #end()} (exclusive).
 *
 * <p>Checked when made: {@code openTime} is the start of a {@code timeframe} bucket, {@code high}
 * is at least {@code max(open, close)}, {@code low} at most {@code min(open, close)}, and {@code
 * volume} is not negative. Prices may be negative (futures have settled below zero).
 *
 * <p>{@code closed} says whether the bucket is complete; the candle of the bucket that holds "now"
 * is not closed, and its close, high, low and volume will still change.
 *
 * <p>The open time is kept as epoch milliseconds, as exchanges send it, so that Jackson reads and
 * writes a {@code Candle} (or a {@code List<Candle>}, through {@code JsonCodec.of(new
 * TypeToken<List<Candle>>() {})}) with a plain {@code ObjectMapper}: an {@link Instant} component
 * would need the {@code jackson-datatype-jsr310} module. The JSON looks like {@code
 * {"timeframe":{"minutes":60},"openTime":1704114000000,"open":42000.10,…,"closed":true}}.
 *
 * <p>Equality is the record's: component by component, with {@link BigDecimal#equals}, so {@code
 * 1.0} and {@code 1.00} differ. Exchanges send one scale per symbol, and a roll-up keeps the scale
 * of its inputs. Immutable.
 *
 * @param timeframe the bucket length
 * @param openTime the bucket's start, in milliseconds since the epoch; a bucket start of {@code
 *     timeframe}
 * @param open the first trade's price
 * @param high the highest price
 * @param low the lowest price
 * @param close the last trade's price
 * @param volume the traded quantity; not negative
 * @param closed whether the bucket is complete
 */
public record Candle(
    Timeframe timeframe,
    long openTime,
    BigDecimal open,
    BigDecimal high,
    BigDecimal low,
    BigDecimal close,
    BigDecimal volume,
    boolean closed) {

  /**
   * @throws NullPointerException naming the component that is null
   * @throws IllegalArgumentException when {@code openTime} is not a bucket start, {@code high} is
   *     below the open or the close, {@code low} above them, or {@code volume} is negative
   */
  public Candle {
    Objects.requireNonNull(timeframe, "timeframe");
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(high, "high");
    Objects.requireNonNull(low, "low");
    Objects.requireNonNull(close, "close");
    Objects.requireNonNull(volume, "volume");
    if (!timeframe.isBucketStart(openTime)) {
      throw new IllegalArgumentException(
          "a " + timeframe + " candle must open at the start of a " + timeframe + " bucket but opened at "
              + Instant.ofEpochMilli(openTime));
    }
    if (high.compareTo(open) < 0 || high.compareTo(close) < 0) {
      throw new IllegalArgumentException(
          describe(timeframe, openTime) + ": high " + high + " is below the open " + open + " or the close " + close);
    }
    if (low.compareTo(open) > 0 || low.compareTo(close) > 0) {
      throw new IllegalArgumentException(
          describe(timeframe, openTime) + ": low " + low + " is above the open " + open + " or the close " + close);
    }
    if (volume.signum() < 0) {
      throw new IllegalArgumentException(
          describe(timeframe, openTime) + ": volume must not be negative but was " + volume);
    }
  }

  /**
   * A candle that opens at {@code start}.
   *
   * @throws IllegalArgumentException as the canonical constructor, or when {@code start} has more
   *     precision than milliseconds
   */
  public static Candle of(
      Timeframe timeframe,
      Instant start,
      BigDecimal open,
      BigDecimal high,
      BigDecimal low,
      BigDecimal close,
      BigDecimal volume,
      boolean closed) {
    Objects.requireNonNull(start, "start");
    long openTime = start.toEpochMilli();
    if (!Instant.ofEpochMilli(openTime).equals(start)) {
      throw new IllegalArgumentException("start must be a whole millisecond but was " + start);
    }
    return new Candle(timeframe, openTime, open, high, low, close, volume, closed);
  }

  /** The bucket's start: {@link #openTime()} as an {@link Instant}. */
  public Instant start() {
    return Instant.ofEpochMilli(openTime);
  }

  /** The bucket's end, exclusive: the next bucket's start. */
  public Instant end() {
    return Instant.ofEpochMilli(openTime + timeframe.millis());
  }

  /** {@code Candle[1h 2024-01-01T13:00:00Z open=… high=… low=… close=… volume=… closed]}. */
  @Override
  public String toString() {
    return "Candle[" + describe(timeframe, openTime) + " open=" + open + " high=" + high + " low=" + low
        + " close=" + close + " volume=" + volume + (closed ? " closed" : " not closed") + "]";
  }

  private static String describe(Timeframe timeframe, long openTime) {
    return timeframe + " " + Instant.ofEpochMilli(openTime);
  }
}
