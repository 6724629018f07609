package dev.hotpath.engine;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one {@link Source#fetch} returned: the values found, and the weight the server said this
 * client has used in its current window (Binance's {@code X-MBX-USED-WEIGHT-1M}), when it said so.
 * The engine feeds that figure to its rate limiter's {@code syncUsage}, so that weight used by
 * other programs on the same IP is counted too.
 *
 * <p>Immutable.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class SourceReply<K, V> {
  private final Map<K, V> values;
  private final long usedWeight;

  private SourceReply(Map<K, V> values, long usedWeight) {
    this.values = Map.copyOf(Objects.requireNonNull(values, "values"));
    this.usedWeight = usedWeight;
  }

  /** A reply with {@code values} and no used-weight figure. */
  public static <K, V> SourceReply<K, V> of(Map<K, V> values) {
    return new SourceReply<>(values, -1);
  }

  /**
   * A reply with {@code values} and the weight used in the server's current window.
   *
   * @throws IllegalArgumentException if {@code usedWeight} is negative
   */
  public static <K, V> SourceReply<K, V> of(Map<K, V> values, long usedWeight) {
    if (usedWeight < 0) {
      throw new IllegalArgumentException("usedWeight must not be negative but was " + usedWeight);
    }
    return new SourceReply<>(values, usedWeight);
  }

  /** The values found, by key; unmodifiable. */
  public Map<K, V> values() {
    return values;
  }

  /** The weight the server reported as used in its current window, if it reported one. */
  public OptionalLong usedWeight() {
    return usedWeight < 0 ? OptionalLong.empty() : OptionalLong.of(usedWeight);
  }

  @Override
  public String toString() {
    return "SourceReply[" + values.size() + " values, usedWeight=" + usedWeight() + "]";
  }
}
