package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TtlProfile;
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
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder().tier(tier).cache("symbols", IN_REDIS).build());
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
}
