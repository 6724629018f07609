package dev.hotpath.engine;

import dev.hotpath.cache.KeyCodec;
import java.util.Objects;

/**
 * The key of one candle series: a symbol and a {@link Timeframe}, written {@code BTCUSDT:1h}
 * ({@link #toString()}, {@link #parse(String)}, and {@link #keyCodec()} for a cache namespace).
 * Immutable.
 *
 * @param symbol the instrument, such as {@code BTCUSDT}; not empty
 * @param timeframe the candle length
 */
public record SeriesKey(String symbol, Timeframe timeframe) {

  private static final KeyCodec<SeriesKey> KEY_CODEC = KeyCodec.of(SeriesKey::toString, SeriesKey::parse);

  /**
   * @throws NullPointerException naming the component that is null
   * @throws IllegalArgumentException when {@code symbol} is empty
   */
  public SeriesKey {
    Objects.requireNonNull(symbol, "symbol");
    Objects.requireNonNull(timeframe, "timeframe");
    if (symbol.isEmpty()) {
      throw new IllegalArgumentException("symbol must not be empty");
    }
  }

  /** The key of {@code symbol}'s {@code timeframe} candles. */
  public static SeriesKey of(String symbol, Timeframe timeframe) {
    return new SeriesKey(symbol, timeframe);
  }

  /**
   * The key written as {@code <symbol>:<timeframe>}, such as {@code "BTCUSDT:1h"}; the symbol is
   * everything before the last colon, so it may hold colons itself.
   *
   * @throws IllegalArgumentException naming {@code text} when it has no colon, an empty symbol or
   *     a bad timeframe
   */
  public static SeriesKey parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "not a series key: \"" + text + "\" (expected <symbol>:<timeframe>, as in BTCUSDT:1h)");
    }
    return new SeriesKey(text.substring(0, colon), Timeframe.parse(text.substring(colon + 1)));
  }

  /** Encodes keys as {@code BTCUSDT:1h} for the tiers outside the process. */
  public static KeyCodec<SeriesKey> keyCodec() {
    return KEY_CODEC;
  }

  /** {@code BTCUSDT:1h}: what {@link #parse} reads. */
  @Override
  public String toString() {
    return symbol + ":" + timeframe;
  }
}
