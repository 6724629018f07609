package dev.hotpath.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.NamespaceStats;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.cache.timescale.PostgresTier;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitDecision;
import dev.hotpath.ratelimit.RateLimitHeaders;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.TenantPlans;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's cache snippet, kept compiling and true. Keep the two in step. */
class ReadmeSnippetTest {

  /** Stands in for the host's exchange client. */
  static final class Exchange {
    String symbolConfig(String symbol) {
      return "{\"symbol\":\"" + symbol + "\"}";
    }
  }

  @Test
  void readmeSnippetRuns() {
    Exchange exchange = new Exchange();

    NamespaceSpec<String, String> symbols =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)               // 1 h in process and in shared tiers
            .maximumSize(10_000)
            .loader(symbol -> exchange.symbolConfig(symbol)) // called once per key, however many readers
            .build();

    try (TieredCache cache = TieredCache.builder()
            .namespace(symbols)
            // .tier(redisTier).tier(postgresTier)        // shared tiers, in lookup order
            // .invalidationBus(redisBus)                 // cross-node invalidation
            .build()) {
      Namespace<String, String> ns = cache.namespace(symbols);
      String btc = ns.get("BTCUSDT");                     // in process → shared tiers → loader
      Map<String, String> some = ns.getAll(List.of("ETHUSDT", "SOLUSDT")); // one bulk load for the misses
      ns.invalidate("BTCUSDT");                           // every tier, every node
      NamespaceStats stats = ns.stats();                  // hits, misses, loads, evictions, latency

      assertThat(btc).isEqualTo("{\"symbol\":\"BTCUSDT\"}");
      assertThat(some).containsOnlyKeys("ETHUSDT", "SOLUSDT");
      assertThat(ns.getIfPresent("BTCUSDT")).isNull();
      assertThat(stats.loads()).isEqualTo(3);
    }
  }

  @Test
  void readmeSharedTiersSnippetRuns() {
    String redisUrl = TestRedis.get().url();
    TestPostgres postgresServer = TestPostgres.get();
    String jdbcUrl = postgresServer.jdbcUrl();
    String user = postgresServer.user();
    String password = postgresServer.password();
    String schema = postgresServer.newSchemaName("readme");
    String prefix = TestRedis.get().newKeyPrefix("readme");

    RedisTier redis = RedisTier.builder().uri(redisUrl).keyPrefix(prefix).build();
    PostgresTier postgres = PostgresTier.builder().jdbcUrl(jdbcUrl, user, password).schema(schema).build();

    NamespaceSpec<String, String> candles =
        NamespaceSpec.builder("ohlc", String.class, String.class)
            .ttl(TtlProfile.OHLC_HISTORICAL.toBuilder().tier("postgres", Duration.ofDays(30)).build())
            .loader(key -> "candle " + key)
            .build();

    try (TieredCache cache = TieredCache.builder()
            .tier(redis)                                  // L2, and its bus: invalidations reach every node
            .tier(postgres)                               // L3: survives Redis restarts
            .namespace(candles)
            .build()) {
      String candle = cache.namespace(candles).get("BTCUSDT:1h:1700000000");

      assertThat(candle).isEqualTo("candle BTCUSDT:1h:1700000000");
      assertThat(cache.namespace(candles).stats().tier("redis").misses()).isEqualTo(1);
      assertThat(cache.namespace(candles).stats().tier("postgres").misses()).isEqualTo(1);
    }
  }

  @Test
  void readmeRateLimitSnippetRuns() throws Exception {
    // Binance spot: 6,000 request weight per clock-aligned minute, and at most 20 requests a second.
    RateLimit binance = RateLimit.of(
        Bandwidth.builder().id("weight-1m").capacity(6_000).refillWindow(Duration.ofMinutes(1)).build(),
        Bandwidth.perPeriod(20, Duration.ofSeconds(1)));
    RateLimiter exchange = LocalRateLimiter.builder().name("binance").limit(binance).build();

    exchange.acquire("ip-1", 10, Duration.ofSeconds(2));        // weight 10; waits FIFO, or fails at once
    RateLimitDecision d = exchange.tryAcquire("ip-1", 1);       // never waits
    if (!d.allowed()) {
      String retryAfter = RateLimitHeaders.retryAfter(d);       // seconds, rounded up
      assertThat(Long.parseLong(retryAfter)).isPositive();
    }
    exchange.syncUsage("ip-1", "weight-1m", 1_234);             // from X-MBX-USED-WEIGHT-1M

    // Your own API per tenant: Free 10/s, Pro 100/s, Enterprise 1,000/s.
    RateLimiter api = LocalRateLimiter.builder().name("api")
        .plans(TenantPlans.standardApiPlans().assign("acme", "pro").build())
        .build();
    boolean served = api.tryConsume("acme", 1);

    assertThat(d.allowed()).isTrue();
    assertThat(served).isTrue();
    assertThat(exchange.tryAcquire("ip-1", 1).remaining()).isLessThanOrEqualTo(6_000 - 1_234 - 1);
  }
}
