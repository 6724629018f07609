package dev.hotpath.cache.spi;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.TieredCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * A storage level of a {@link TieredCache} outside the process: Redis, PostgreSQL. (The in-process
 * tier is always first and is not a {@code Tier} users add.) This is the SPI tier authors
 * implement; hosts only pass instances to {@link TieredCache.Builder#tier}.
 *
 * <p>A tier is shared by every namespace of a cache; {@link #open} gives each namespace its own
 * typed {@link NamespaceStore}. A read walks the tiers in the order they were added to the builder
 * and promotes what it finds to the tiers above.
 *
 * <p>Implementations must be thread-safe. Store operations may throw unchecked exceptions when the
 * backing store fails; the cache counts such a failure, treats a failed read as a miss and a
 * failed write as skipped, so callers of the cache never see it. Tiers that can detect an outage
 * themselves (a circuit breaker) should fail fast instead of waiting for a timeout on every call.
 *
 * <p>A tier's meters are bound by the cache that holds it: {@link TieredCache#bindTo} calls {@link
 * #bindTo} of each of its tiers. The default binds nothing.
 *
 * <p><b>Who closes a tier.</b> Its creator, unless the creator hands it to one cache with {@link
 * TieredCache.Builder#tier}, which then closes it with itself. A tier several caches share is
 * given to each with {@link TieredCache.Builder#sharedTier}: no cache closes it, and its creator
 * closes it after the last of them. A tier closes what it created (connections, threads, the bus
 * it brings) and never what it was given (a host's client or {@code DataSource}).
 */
public interface Tier extends AutoCloseable, MeterBinder {

  /**
   * A short lower-case name that identifies the tier in TTL profiles, stats and metric tags, such
   * as {@code "redis"} or {@code "postgres"}. Never null; {@code "memory"} is taken by the
   * in-process tier.
   */
  String name();

  /**
   * Opens this tier for one namespace. Called once per namespace when the cache is built.
   *
   * @param context the namespace's name, codecs and TTL for this tier; never null
   * @return the namespace's store in this tier; never null
   */
  <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context);

  /**
   * The bus that carries this tier's invalidations between nodes, or {@code null} (the default)
   * when the tier brings none. A cache built with such a tier uses its bus without being told, so
   * that a shared tier cannot be wired without cross-node invalidation; two tiers bringing
   * different buses, or a bus set on the builder that differs from a tier's, fail {@code build()}.
   * The cache does not close a bus a tier brought: the tier closes it in {@link #close()}.
   */
  default InvalidationBus invalidationBus() {
    return null;
  }

  /**
   * Binds nothing; tiers with meters override it. An override must register its meters once per
   * registry and be thread-safe: every cache that shares the tier binds it, possibly to the same
   * registry (Hotpath's tiers remember the registries they are bound to).
   */
  @Override
  default void bindTo(MeterRegistry registry) {}

  /** Releases what the tier owns (connections it created, threads). Never throws. */
  @Override
  default void close() {}
}
