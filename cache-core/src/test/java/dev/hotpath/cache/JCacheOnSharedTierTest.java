package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.cache.jcache.MutableClock;
import dev.hotpath.cache.internal.ForwardingTier;
import dev.hotpath.cache.spi.Tier;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * JCache caches of two nodes over one shared tier and bus, through the Hotpath extension settings:
 * the tier holds what one node writes for the other, a change on one node drops the other's
 * in-process copy, and the JSR-107 expiry time travels with the value.
 */
class JCacheOnSharedTierTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final CacheOptions SHARED = CacheOptions.builder()
      .ttl(TtlProfile.builder().l1(HOUR).l2(HOUR).build())
      .build();

  private final ByteMapTier tier = new ByteMapTier("shared", Ticker.system());
  private final InvalidationBus bus = InvalidationBus.inProcess();
  private final MutableClock clock = new MutableClock();
  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());

  @AfterEach
  void closeManagers() {
    provider.close();
    bus.close();
  }

  private CacheManager node(String name, Tier sharedTier) {
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder()
        .tier(sharedTier).invalidationBus(bus).clock(clock).nodeId(name).cache("symbols", SHARED).build());
    return provider.getCacheManager(URI.create("test:" + getClass().getSimpleName() + "/" + name), null, properties);
  }

  private static Cache<String, String> symbols(CacheManager manager) {
    return manager.createCache("symbols", new MutableConfiguration<String, String>().setTypes(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(java.util.concurrent.TimeUnit.MINUTES, 10))));
  }

  @Test
  void aValueWrittenOnOneNodeIsReadOnAnotherAndAChangeDropsItsCopy() {
    Cache<String, String> a = symbols(node("a", tier));
    Cache<String, String> b = symbols(node("b", tier));

    a.put("BTCUSDT", "v1");
    Buses.awaitDelivered(bus);
    assertThat(b.get("BTCUSDT")).isEqualTo("v1");

    a.put("BTCUSDT", "v2");
    Buses.awaitDelivered(bus);
    // Without the bus, b would answer v1 from its in-process tier for the profile's hour.
    assertThat(b.get("BTCUSDT")).isEqualTo("v2");

    a.remove("BTCUSDT");
    Buses.awaitDelivered(bus);
    assertThat(b.containsKey("BTCUSDT")).isFalse();
  }

  @Test
  void theExpiryTimeTravelsWithTheValueToOtherNodes() {
    Cache<String, String> a = symbols(node("a", tier));
    Cache<String, String> b = symbols(node("b", tier));
    a.put("BTCUSDT", "v1");
    Buses.awaitDelivered(bus);
    assertThat(b.get("BTCUSDT")).isEqualTo("v1");

    clock.advance(Duration.ofMinutes(10));
    // Created ten minutes ago on a: expired on b too, although b read it later and the tiers' TTL is an hour.
    assertThat(b.get("BTCUSDT")).isNull();
    assertThat(a.get("BTCUSDT")).isNull();
  }

  @Test
  void removeAllAlsoClearsWhatOnlyTheSharedTierHolds() {
    Cache<String, String> a = symbols(node("a", tier));
    Cache<String, String> b = symbols(node("b", tier));
    a.put("BTCUSDT", "v1");
    b.put("ETHUSDT", "v2");
    Buses.awaitDelivered(bus);
    // a holds ETHUSDT only in the shared tier until it reads it: its iterator does not see it.
    assertThat(a.iterator()).toIterable().extracting(Cache.Entry::getKey).containsExactly("BTCUSDT");

    a.removeAll();
    Buses.awaitDelivered(bus);
    assertThat(b.get("ETHUSDT")).isNull();
    assertThat(a.get("ETHUSDT")).isNull();
  }

  @Test
  void aCacheKeptInProcessByItsOptionsLeavesTheSharedTierAlone() {
    Cache<String, String> a = node("a", tier).createCache("local", new MutableConfiguration<String, String>());
    a.put("k", "v");
    assertThat(a.get("k")).isEqualTo("v");
    assertThat(tier.data).isEmpty();
  }

  @Test
  void closingTheManagerLeavesTheHostsTierAndBusOpen() {
    AtomicInteger closes = new AtomicInteger();
    Tier counting = new ForwardingTier(tier) {
      @Override
      public void close() {
        closes.incrementAndGet();
      }
    };
    CacheManager a = node("a", counting);
    symbols(a).put("k", "v");
    a.destroyCache("symbols");
    symbols(a);
    a.close();
    assertThat(closes).hasValue(0);

    // The bus still carries events between the caches of other managers.
    Cache<String, String> b = symbols(node("b", tier));
    Cache<String, String> c = symbols(node("c", tier));
    b.put("k", "v1");
    Buses.awaitDelivered(bus);
    assertThat(c.get("k")).isEqualTo("v1");
    b.put("k", "v2");
    Buses.awaitDelivered(bus);
    assertThat(c.get("k")).isEqualTo("v2");
  }

  @Test
  void theManagerUnwrapsToHotpathsAndItsCachesAreNamespacesNamedAfterThem() {
    HotpathCacheManager manager = node("a", tier).unwrap(HotpathCacheManager.class);
    assertThat(manager.settings().optionsFor("symbols")).isEqualTo(SHARED);
    symbols(manager).put("BTCUSDT", "v1");
    // The namespace's name in the tier's keys is the cache's.
    assertThat(tier.raw("symbols", "BTCUSDT")).isNotNull();
  }
}
