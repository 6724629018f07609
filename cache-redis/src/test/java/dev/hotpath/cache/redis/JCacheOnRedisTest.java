package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TtlProfile;
import java.util.Collection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Gauge;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.internal.ForwardingTier;
import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JCache caches of two nodes (each a cache manager with its own Redis tier and connections) on one
 * Redis: what one node writes or loads, the other reads from Redis, and a change on one drops the
 * other's in-process copy through the tier's bus.
 */
@ExtendWith(RedisExtension.class)
class JCacheOnRedisTest {
  private static final CacheOptions IN_REDIS =
      CacheOptions.builder().ttl(TtlProfile.builder().l1(LONG).l2(LONG).build()).build();

  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
  private final List<RedisTier> tiers = new ArrayList<>();

  @AfterEach
  void close() {
    provider.close();
    tiers.forEach(RedisTier::close);
  }

  private CacheManager node(String name, TestRedis redis, RedisKeyPrefix prefix) {
    RedisTier tier = TestNode.tier(redis, prefix);
    tiers.add(tier);
    return manager(name, tier, "symbols");
  }

  /** A manager whose caches named {@code caches} are kept in Redis through {@code tier}. */
  private CacheManager manager(String name, Tier tier, String... caches) {
    JCacheSettings.Builder settings = JCacheSettings.builder().tier(tier);
    for (String cache : caches) {
      settings.cache(cache, IN_REDIS);
    }
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, settings.build());
    return provider.getCacheManager(URI.create("test:redis/" + name), null, properties);
  }

  private static MutableConfiguration<String, String> strings() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  @Test
  void aChangeOnOneNodeReachesTheOtherThroughRedis(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    Cache<String, String> a = node("a", redis, prefix).createCache("symbols", strings());
    Cache<String, String> b = node("b", redis, prefix).createCache("symbols", strings());

    a.put("BTCUSDT", "v1");
    assertThat(b.get("BTCUSDT")).isEqualTo("v1");
    a.put("BTCUSDT", "v2");
    assertThat(eventually(PATIENCE, () -> "v2".equals(b.get("BTCUSDT")))).isTrue();

    // An entry processor on b starts from the value a wrote, read from Redis.
    String processed = b.invoke("BTCUSDT", (entry, args) -> {
      entry.setValue(entry.getValue() + "+b");
      return entry.getValue();
    });
    assertThat(processed).isEqualTo("v2+b");
    assertThat(eventually(PATIENCE, () -> "v2+b".equals(a.get("BTCUSDT")))).isTrue();

    a.clear();
    assertThat(eventually(PATIENCE, () -> b.get("BTCUSDT") == null)).isTrue();
  }

  @Test
  void aValueOneNodeLoadedIsReadFromRedisByTheOtherWithoutLoading(TestRedis redis, RedisKeyPrefix prefix) {
    AtomicInteger loads = new AtomicInteger();
    CountingLoader.loads = loads;
    MutableConfiguration<String, String> readThrough = strings()
        .setReadThrough(true).setCacheLoaderFactory(FactoryBuilder.factoryOf(CountingLoader.class));
    Cache<String, String> a = node("a", redis, prefix).createCache("symbols", readThrough);
    Cache<String, String> b = node("b", redis, prefix).createCache("symbols", readThrough);

    assertThat(a.get("BTCUSDT")).isEqualTo("loaded BTCUSDT");
    assertThat(b.get("BTCUSDT")).isEqualTo("loaded BTCUSDT");
    assertThat(loads).hasValue(1);
  }

  /** A loader made by its class name, as a JSR-107 factory does; counts into the test's counter. */
  public static final class CountingLoader implements CacheLoader<String, String> {
    static volatile AtomicInteger loads;

    @Override
    public String load(String key) {
      loads.incrementAndGet();
      return "loaded " + key;
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      java.util.Map<String, String> all = new java.util.HashMap<>();
      keys.forEach(k -> all.put(k, load(k)));
      return all;
    }
  }

  /**
   * A tier shared by a manager's caches is bound once per registry, however many caches use it
   * (each binding past the first made Micrometer warn "This Gauge has been already registered").
   */
  @Test
  void aTierSharedByTwoCachesIsBoundOnceAndEachCacheKeepsItsOwnMeters(TestRedis redis, RedisKeyPrefix prefix) {
    RedisTier redisTier = TestNode.tier(redis, prefix);
    tiers.add(redisTier);
    BindCountingTier tier = new BindCountingTier(redisTier);
    CacheManager manager = manager("meters", tier, "symbols", "accounts");
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
  private static final class BindCountingTier extends ForwardingTier {
    private final List<MeterRegistry> bound = new ArrayList<>();

    BindCountingTier(Tier tier) {
      super(tier);
    }

    synchronized int bindings(MeterRegistry registry) {
      return (int) bound.stream().filter(r -> r == registry).count();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
      synchronized (this) {
        bound.add(registry);
      }
      super.bindTo(registry);
    }
  }
}
