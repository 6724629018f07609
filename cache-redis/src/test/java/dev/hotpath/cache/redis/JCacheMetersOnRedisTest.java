package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The meters of a JCache manager whose caches share one Redis tier: the tier's meters are bound
 * once per registry, however many caches use it (each binding past the first made Micrometer warn
 * "This Gauge has been already registered"), and each cache keeps its own namespace's meters.
 */
@ExtendWith(RedisExtension.class)
class JCacheMetersOnRedisTest {
  private static final CacheOptions IN_REDIS =
      CacheOptions.builder().ttl(TtlProfile.builder().l1(LONG).l2(LONG).build()).build();

  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
  private final List<RedisTier> tiers = new ArrayList<>();

  @AfterEach
  void close() {
    provider.close();
    tiers.forEach(RedisTier::close);
  }

  private static MutableConfiguration<String, String> strings() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  @Test
  void aTierSharedByTwoCachesIsBoundOnceAndEachCacheKeepsItsOwnMeters(TestRedis redis, RedisKeyPrefix prefix) {
    RedisTier redisTier = TestNode.tier(redis, prefix);
    tiers.add(redisTier);
    BindCountingTier tier = new BindCountingTier(redisTier);
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY,
        JCacheSettings.builder().tier(tier).cache("symbols", IN_REDIS).cache("accounts", IN_REDIS).build());
    CacheManager manager = provider.getCacheManager(URI.create("test:redis/meters"), null, properties);
    MeterRegistry registry = new SimpleMeterRegistry();

    // One cache created before the registry is bound, one after, and a second bind of the same
    // registry: the three ways a shared tier could be bound again.
    Cache<String, String> symbols = manager.createCache("symbols", strings());
    manager.unwrap(HotpathCacheManager.class).bindTo(registry);
    Cache<String, String> accounts = manager.createCache("accounts", strings());
    manager.unwrap(HotpathCacheManager.class).bindTo(registry);

    assertThat(tier.bindings(registry)).as("bindTo calls of the shared tier for this registry").isEqualTo(1);
    Collection<Gauge> circuit = registry.find("hotpath.redis.circuit.open").gauges();
    assertThat(circuit).hasSize(1);
    assertThat(circuit.iterator().next().getId().getTag("tier")).isEqualTo(redisTier.name());
    assertThat(registry.find("hotpath.redis.writes.unsent").tag("tier", redisTier.name()).gauges()).hasSize(1);

    symbols.put("BTCUSDT", "v1");
    assertThat(symbols.get("BTCUSDT")).isEqualTo("v1");
    assertThat(hits(registry, "symbols")).isEqualTo(1.0);
    assertThat(hits(registry, "accounts")).isEqualTo(0.0);
    assertThat(accounts.get("BTCUSDT")).isNull();
    assertThat(hits(registry, "accounts")).isEqualTo(0.0);
  }

  private static double hits(MeterRegistry registry, String cache) {
    return registry.get("cache.gets").tag("cache", cache).tag("result", "hit").functionCounter().count();
  }

  /** The Redis tier, counting how often it is bound to each registry. */
  private static final class BindCountingTier implements Tier {
    private final Tier tier;
    private final List<MeterRegistry> bound = new ArrayList<>();

    BindCountingTier(Tier tier) {
      this.tier = tier;
    }

    synchronized int bindings(MeterRegistry registry) {
      return (int) bound.stream().filter(r -> r == registry).count();
    }

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context) {
      return tier.open(context);
    }

    @Override
    public InvalidationBus invalidationBus() {
      return tier.invalidationBus();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
      synchronized (this) {
        bound.add(registry);
      }
      tier.bindTo(registry);
    }

    @Override
    public void close() {
      tier.close();
    }
  }
}
