package dev.hotpath.cache.redis;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** One "node": a cache with its own Redis tier (own connections) and bus, like a separate process. */
final class TestNode implements AutoCloseable {
  final RedisTier tier;
  final TieredCache cache;

  private TestNode(RedisTier tier, NamespaceSpec<?, ?>... specs) {
    this.tier = tier;
    TieredCache.Builder b = TieredCache.builder().tier(tier).invalidationBus(tier.invalidationBus());
    for (NamespaceSpec<?, ?> spec : specs) {
      b.namespace(spec);
    }
    this.cache = b.build();
  }

  static TestNode start(TestRedis redis, RedisKeyPrefix prefix, NamespaceSpec<?, ?>... specs) {
    return start(redis, prefix, b -> b, specs);
  }

  static TestNode start(
      TestRedis redis, RedisKeyPrefix prefix, UnaryOperator<RedisTier.Builder> settings, NamespaceSpec<?, ?>... specs) {
    RedisTier.Builder b =
        RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).reconcileInterval(Duration.ofMillis(200));
    return new TestNode(settings.apply(b).build(), specs);
  }

  static TestNode of(RedisTier tier, NamespaceSpec<?, ?>... specs) {
    return new TestNode(tier, specs);
  }

  @Override
  public void close() {
    cache.close();
  }

  /** Polls {@code condition} until it holds or {@code timeout} passes; returns whether it held. */
  static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
