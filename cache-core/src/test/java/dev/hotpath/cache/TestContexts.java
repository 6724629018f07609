package dev.hotpath.cache;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.Tier;
import java.time.Duration;

/**
 * Opens a {@link Tier} outside a {@link TieredCache}, as the cache would, for tier tests and
 * benchmarks in other modules. Test code only (cache-core's test-jar).
 */
public final class TestContexts {
  private TestContexts() {}

  /** The context a cache with node id {@code nodeId} gives a tier whose TTL for {@code spec} is {@code ttl}. */
  public static <K, V> NamespaceContext<K, V> of(NamespaceSpec<K, V> spec, Duration ttl, String nodeId) {
    return new DefaultNamespaceContext<>(spec, ttl, nodeId);
  }
}
