package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class AlertsAndMetricsTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("redis", ticker);
  private final NamespaceSpec<String, String> prices =
      NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(TtlProfile.builder().l1(Duration.ofSeconds(1)).l2(Duration.ofSeconds(1)).build())
          .loader(
              k -> {
                Thread.sleep(1); // slow enough that a miss is always still loading when first looked at
                return "p-" + k;
              })
          .build();

  @Test
  void lowHitRatesRaiseAlertsOnceAndClearWhenTrafficRecovers() {
    List<CacheAlert> raised = new CopyOnWriteArrayList<>();
    List<CacheAlert> cleared = new CopyOnWriteArrayList<>();
    AlertListener listener =
        new AlertListener() {
          @Override
          public void onAlert(CacheAlert alert) {
            raised.add(alert);
          }

          @Override
          public void onCleared(CacheAlert alert) {
            cleared.add(alert);
          }
        };
    try (TieredCache cache =
        TieredCache.builder().ticker(ticker).tier(shared).namespace(prices).alertListener(listener).build()) {
      Namespace<String, String> ns = cache.namespace(prices);
      for (int i = 0; i < 200; i++) {
        ns.get("unique-" + i);
      }
      CacheHealth health = cache.evaluateAlerts();
      assertThat(health.status()).isEqualTo(CacheHealth.Status.DEGRADED);
      assertThat(raised).extracting(CacheAlert::type)
          .containsExactlyInAnyOrder(CacheAlert.Type.LOW_HIT_RATE, CacheAlert.Type.LOW_L1_HIT_RATE);
      assertThat(raised.get(0).namespace()).isEqualTo("prices");

      for (int i = 0; i < 1_000; i++) {
        ns.get("unique-1");
      }
      assertThat(cache.evaluateAlerts().status()).isEqualTo(CacheHealth.Status.UP);
      assertThat(cleared).hasSize(2);
      assertThat(raised).hasSize(2);
    }
  }

  @Test
  void aDeadSharedTierIsReportedDown() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(prices).build()) {
      shared.down.set(true);
      for (int i = 0; i < 10; i++) {
        assertThat(cache.namespace(prices).get("k" + i)).isEqualTo("p-k" + i);
      }
      CacheHealth health = cache.evaluateAlerts();
      assertThat(health.status()).isEqualTo(CacheHealth.Status.DOWN);
      assertThat(health.alerts()).anyMatch(a -> a.type() == CacheAlert.Type.TIER_FAILURES && "redis".equals(a.tier()));
    }
  }

  @Test
  void failingWritesAloneAreDegradedNotDown() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(prices).build()) {
      shared.failWrites.set(true);
      for (int i = 0; i < 10; i++) {
        assertThat(cache.namespace(prices).get("k" + i)).isEqualTo("p-k" + i);
      }
      Loads.awaitSettled(cache); // the write-backs that fail run after the reads return
      CacheHealth health = cache.evaluateAlerts();
      assertThat(health.status()).isEqualTo(CacheHealth.Status.DEGRADED);
      assertThat(health.alerts()).anyMatch(a -> a.type() == CacheAlert.Type.TIER_FAILURES);
    }
  }

  @Test
  void evictionStormRaisesHighEvictionRate() {
    NamespaceSpec<Long, String> tiny =
        NamespaceSpec.builder("tiny", Long.class, String.class).ttl(TtlProfile.API_RESPONSE).maximumSize(10).build();
    AlertPolicy policy = AlertPolicy.builder().maxEvictionsPerSecond(100).build();
    try (TieredCache cache =
        TieredCache.builder().ticker(ticker).executor(Runnable::run).namespace(tiny).alertPolicy(policy).build()) {
      cache.evaluateAlerts();
      for (long i = 0; i < 5_000; i++) {
        cache.namespace(tiny).put(i, "v");
      }
      cache.namespace(tiny).estimatedSize();
      ticker.advance(Duration.ofSeconds(1));
      assertThat(cache.evaluateAlerts().alerts()).anyMatch(a -> a.type() == CacheAlert.Type.HIGH_EVICTION_RATE);
    }
  }

  @Test
  void metricsReadTheCacheCounters() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(prices).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindTo(registry);
      Namespace<String, String> ns = cache.namespace(prices);
      ns.get("a");
      ns.get("a");
      ns.get("b");
      ns.getAll(List.of("b", "c"));
      ns.put("d", "4");
      // Micrometer's cache names, as Caffeine's and JCache's binders publish them.
      assertThat(registry.get("cache.gets").tags("cache", "prices", "result", "hit")
          .functionCounter().count()).isEqualTo(2.0);
      assertThat(registry.get("cache.gets").tags("cache", "prices", "result", "miss")
          .functionCounter().count()).isEqualTo(3.0);
      assertThat(registry.get("cache.puts").tags("cache", "prices").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("cache.load").tags("result", "success").functionCounter().count()).isEqualTo(3.0);
      assertThat(registry.get("cache.size").tags("cache", "prices").gauge().value()).isEqualTo(4.0);
      assertThat(registry.get("cache.evictions").tags("cache", "prices").functionCounter().count()).isZero();
      // Per tier, under Hotpath's own name.
      assertThat(registry.get("hotpath.cache.tier.gets").tags("cache", "prices", "tier", "memory", "result", "hit")
          .functionCounter().count()).isEqualTo(2.0);
      assertThat(registry.get("hotpath.cache.tier.gets").tags("cache", "prices", "tier", "memory", "result", "miss")
          .functionCounter().count()).isEqualTo(3.0);
      assertThat(registry.get("hotpath.cache.tier.gets").tags("tier", "redis", "result", "miss")
          .functionCounter().count()).isEqualTo(3.0);
      // Reads that missed in process are timed.
      assertThat(registry.get("hotpath.cache.latency").functionTimer().count()).isGreaterThanOrEqualTo(1.0);
      assertThat(registry.get("hotpath.cache.health").gauge().value()).isEqualTo(1.0);
    }
  }
}
