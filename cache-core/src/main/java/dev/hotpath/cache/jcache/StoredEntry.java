package dev.hotpath.cache.jcache;

/**
 * What a JCache cache stores in its Hotpath namespace: the value and the wall-clock time (epoch
 * milliseconds) at which JSR-107's expiry policy says it expires. The time travels with the value
 * through shared tiers, so every node applies the same expiry.
 *
 * <p>The expiry time is changed in place only by an access (see {@link HotpathCache}): an
 * in-process change that shared tiers do not see.
 */
final class StoredEntry<V> {
  /** Never expires. */
  static final long ETERNAL = Long.MAX_VALUE;

  private final V value;
  private volatile long expiresAt;

  StoredEntry(V value, long expiresAt) {
    this.value = value;
    this.expiresAt = expiresAt;
  }

  V value() {
    return value;
  }

  long expiresAt() {
    return expiresAt;
  }

  void expiresAt(long millis) {
    this.expiresAt = millis;
  }

  boolean isEternal() {
    return expiresAt == ETERNAL;
  }

  @Override
  public String toString() {
    return "StoredEntry[" + value + (isEternal() ? "" : ", expiresAt=" + expiresAt) + "]";
  }
}
