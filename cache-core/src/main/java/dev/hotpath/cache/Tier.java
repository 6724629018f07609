package dev.hotpath.cache;

/**
 * A storage level of a {@link TieredCache}: the in-process {@link MemoryTier}, Redis, PostgreSQL.
 *
 * <p>A tier is shared by every namespace of a cache; {@link #open} gives each namespace its own
 * typed view. A read walks the tiers in the order they were added to the builder and promotes what
 * it finds to the tiers above.
 *
 * <p>Implementations must be thread-safe. Tier operations may throw unchecked exceptions when the
 * backing store fails; the cache counts such a failure, treats a failed read as a miss and a
 * failed write as skipped, so callers of the cache never see it. Tiers that can detect an outage
 * themselves (a circuit breaker) should fail fast instead of waiting for a timeout on every call.
 */
public interface Tier extends AutoCloseable {

  /**
   * A short lower-case name that identifies the tier in TTL profiles, stats and metric tags, such
   * as {@code "memory"}, {@code "redis"} or {@code "postgres"}. Never null.
   */
  String name();

  /**
   * Opens this tier for one namespace. Called once per namespace when the cache is built.
   *
   * @param binding the namespace's name, codecs and TTL for this tier; never null
   * @return the namespace's view of this tier; never null
   */
  <K, V> TierStore<K, V> open(TierBinding<K, V> binding);

  /** Releases what the tier owns (connections it created, threads). Never throws. */
  @Override
  default void close() {}
}
