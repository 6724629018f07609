package dev.hotpath.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheLoader;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's JCache snippet, compiled and run against a real Redis server; the region is the
 * README block {@code jcache} word for word (examples' {@code ReadmeSyncTest} checks it).
 */
@ExtendWith(RedisExtension.class)
class JCacheReadmeSnippetTest {

  /** The host's loader, made by JSR-107's factory from its class. */
  public static final class SymbolLoader implements CacheLoader<String, String> {
    @Override
    public String load(String symbol) {
      return "{\"symbol\":\"" + symbol + "\",\"tickSize\":\"0.01\"}";
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> symbols) {
      java.util.Map<String, String> all = new java.util.HashMap<>();
      symbols.forEach(s -> all.put(s, load(s)));
      return all;
    }
  }

  @Test
  void jcacheSnippet(TestRedis redis, RedisKeyPrefix prefix) {
    MeterRegistry meterRegistry = new SimpleMeterRegistry();
    RedisTier redisTier = RedisTier.builder().uri(redis.url()).keyPrefix(prefix.value()).build(); // test only
    try (redisTier) { // test only
    // README snippet jcache: begin
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder()
        .tier(redisTier)                                  // shared by the manager's caches; yours to close
        .cache("symbols", CacheOptions.builder()
            .ttl(TtlProfile.SYMBOL_CONFIG)                // 1 h in process and in Redis
            .maximumSize(50_000)
            .build())
        .build());
    CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
    CacheManager manager = provider.getCacheManager(URI.create("hotpath:market-data"), null, properties);

    Cache<String, String> symbols = manager.createCache("symbols",
        new MutableConfiguration<String, String>()
            .setTypes(String.class, String.class)
            .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.FIVE_MINUTES)) // JSR-107 expiry, stored with the value
            .setReadThrough(true)
            .setCacheLoaderFactory(FactoryBuilder.factoryOf(SymbolLoader.class))
            .setStatisticsEnabled(true));                 // the CacheStatistics MXBean
    String btc = symbols.get("BTCUSDT");                  // in process → Redis → SymbolLoader
    manager.unwrap(HotpathCacheManager.class).bindTo(meterRegistry); // Hotpath's meters of every cache
    // README snippet jcache: end
    assertThat(btc).contains("BTCUSDT"); // test only
    assertThat(meterRegistry.get("cache.puts").tag("cache", "symbols").functionCounter().count()).isEqualTo(1.0); // test only
    provider.close(); // test only
    } // test only
  }
}
