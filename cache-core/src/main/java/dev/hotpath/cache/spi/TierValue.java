package dev.hotpath.cache.spi;

import java.util.Objects;

/**
 * What a tier holds for a key: either a value, or a remembered absence ("known absent", the
 * negative-caching marker). A tier that holds nothing for a key returns {@code null} instead of a
 * {@code TierValue}, so callers can tell "not cached" from "cached as absent".
 *
 * <p>Immutable and thread-safe.
 *
 * @param <V> the value type
 */
public final class TierValue<V> {
  private static final TierValue<?> ABSENT = new TierValue<>(null);

  private final V value;

  private TierValue(V value) {
    this.value = value;
  }

  /**
   * A present value.
   *
   * @throws NullPointerException if {@code value} is null
   */
  public static <V> TierValue<V> of(V value) {
    return new TierValue<>(Objects.requireNonNull(value, "value"));
  }

  /** The negative-caching marker: the source was asked and has no value for the key. */
  @SuppressWarnings("unchecked")
  public static <V> TierValue<V> absent() {
    return (TierValue<V>) ABSENT;
  }

  /** Whether this is the negative-caching marker. */
  public boolean isAbsent() {
    return value == null;
  }

  /** The value, or {@code null} when {@link #isAbsent()}. */
  public V value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TierValue<?> other && Objects.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(value);
  }

  @Override
  public String toString() {
    return isAbsent() ? "TierValue[absent]" : "TierValue[" + value + "]";
  }
}
