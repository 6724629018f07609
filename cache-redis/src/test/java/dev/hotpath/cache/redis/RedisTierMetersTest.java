package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.RepeatedRegistrations;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link RedisTier#bindTo} registers the tier's meters once per registry, however many bind it. */
@ExtendWith(RedisExtension.class)
class RedisTierMetersTest {
  private static NamespaceSpec<String, String> spec(String name) {
    return NamespaceSpec.builder(name, String.class, String.class)
        .ttl(TtlProfile.builder().l1(LONG).l2(LONG).build())
        .build();
  }

  private static long redisMeters(MeterRegistry registry, RedisTier tier) {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith("hotpath.redis."))
        .filter(m -> tier.name().equals(m.getId().getTag("tier")))
        .count();
  }

  @Test
  void bindingTwiceToOneRegistryRegistersNothingMore(TestRedis redis, RedisKeyPrefix prefix) {
    try (RedisTier tier = TestNode.tier(redis, prefix)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      tier.bindTo(registry);
      int meters = registry.getMeters().size();

      assertThat(RepeatedRegistrations.during(registry, () -> tier.bindTo(registry))).isZero();
      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(registry.get("hotpath.redis.failures").tag("tier", tier.name()).functionCounter().count())
          .isEqualTo(tier.stats().failures());
    }
  }

  @Test
  void twoCachesSharingOneTierRegisterItsMetersOnce(TestRedis redis, RedisKeyPrefix prefix) {
    NamespaceSpec<String, String> prices = spec("prices");
    NamespaceSpec<String, String> symbols = spec("symbols");
    try (RedisTier tier = TestNode.tier(redis, prefix);
        TieredCache a = TieredCache.builder().sharedTier(tier).namespace(prices).build();
        TieredCache b = TieredCache.builder().sharedTier(tier).namespace(symbols).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      a.bindTo(registry);
      long tierMeters = redisMeters(registry, tier);

      assertThat(RepeatedRegistrations.during(registry, () -> b.bindTo(registry)))
          .as("the shared tier's meters registered again by the second cache").isZero();
      assertThat(redisMeters(registry, tier)).isEqualTo(tierMeters);
      Namespace<String, String> onA = a.namespace(prices);
      Namespace<String, String> onB = b.namespace(symbols);
      onA.put("BTCUSDT", "64000");
      onB.put("BTCUSDT", "cfg");
      onB.put("ETHUSDT", "cfg");
      // Each cache's own figures, beside the tier's registered once.
      assertThat(registry.get("cache.puts").tag("cache", "prices").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("cache.puts").tag("cache", "symbols").functionCounter().count()).isEqualTo(2.0);
      assertThat(registry.get("hotpath.redis.writes.skipped").tag("tier", tier.name()).functionCounter().count())
          .isEqualTo(tier.stats().skippedWrites());
      assertThat(registry.get("hotpath.redis.circuit.open").tag("tier", tier.name()).gauge().value()).isZero();
    }
  }

  @Test
  void eightThreadsBindingAtOnceRegisterOnce(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (RedisTier tier = TestNode.tier(redis, prefix)) {
      RepeatedRegistrations.checkEightThreadsRegisterOnce(tier::bindTo);
    }
  }
}
