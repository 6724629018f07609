package dev.hotpath.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.NamespaceStats;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.TypeToken;
import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.cache.timescale.PostgresTier;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.ClientAddress;
import dev.hotpath.ratelimit.KeyLimiter;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitDecision;
import dev.hotpath.ratelimit.RateLimitHeaders;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.TenantPlans;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The README's snippets, compiled and run. Each region between {@code // README snippet NAME:
 * begin} and {@code end} is the README block of that name, word for word ({@link ReadmeSyncTest}
 * checks it); lines ending in {@code // test only} are not in the README.
 */
class ReadmeSnippetTest {

  /** A one-hour candle, as the host's code would define it. */
  record Candle(long openTime, String open, String close) {}

  /** Stands in for the host's exchange client. */
  static final class Exchange {
    String symbolConfig(String symbol) {
      return "{\"symbol\":\"" + symbol + "\"}";
    }

    List<Candle> candles(String key) {
      return List.of(new Candle(1_700_000_000_000L, "37000.5", "37010"));
    }
  }

  @Test
  void readmeSnippetRuns() {
    Exchange exchange = new Exchange();
    MeterRegistry meterRegistry = new SimpleMeterRegistry();

    // README snippet cache: begin
    NamespaceSpec<String, String> symbols =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)               // 1 h in process and in shared tiers
            .maximumSize(10_000)
            .loader(symbol -> exchange.symbolConfig(symbol)) // called once per key, however many readers
            .build();

    try (TieredCache cache = TieredCache.builder()
            .namespace(symbols)
            // .tier(redisTier).tier(postgresTier)        // shared tiers, in lookup order
            .build()) {
      Namespace<String, String> ns = cache.namespace(symbols);
      String btc = ns.get("BTCUSDT");                     // in process → shared tiers → loader
      Map<String, String> some = ns.getAll(List.of("ETHUSDT", "SOLUSDT")); // one bulk load for the misses
      CompletableFuture<String> eth = ns.async().get("ETHUSDT"); // never blocks on a tier or the loader
      ns.invalidate("BTCUSDT");                           // every tier; every node that can hold it
      NamespaceStats stats = ns.stats();                  // hits, misses, loads, evictions, latency
      cache.bindTo(meterRegistry);                        // cache.gets{cache,result}, cache.puts, … (Micrometer)
      assertThat(btc).isEqualTo("{\"symbol\":\"BTCUSDT\"}"); // test only
      assertThat(some).containsOnlyKeys("ETHUSDT", "SOLUSDT"); // test only
      assertThat(eth.join()).isEqualTo("{\"symbol\":\"ETHUSDT\"}"); // test only
      assertThat(ns.getIfPresent("BTCUSDT")).isNull(); // test only
      assertThat(stats.loads()).isEqualTo(3); // test only
      assertThat(meterRegistry.get("cache.gets").tags("cache", "symbols", "result", "hit") // test only
          .functionCounter().count()).isEqualTo(1.0); // test only
    }
    // README snippet cache: end
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
    Exchange exchange = new Exchange();

    // README snippet shared-tiers: begin
    RedisTier redis = RedisTier.builder().uri(redisUrl).keyPrefix(prefix).build();
    PostgresTier postgres = PostgresTier.builder().jdbcUrl(jdbcUrl, user, password).schema(schema).build();

    TypeToken<List<Candle>> listOfCandles = new TypeToken<>() {}; // a Class cannot say List<Candle>
    NamespaceSpec<String, List<Candle>> candles =
        NamespaceSpec.builder("ohlc", TypeToken.of(String.class), listOfCandles)
            .ttl(TtlProfile.OHLC_HISTORICAL.toBuilder().tier("postgres", Duration.ofDays(30)).build())
            .valueCodec(JsonCodec.of(listOfCandles))      // versioned JSON; never Java serialization
            .loader(key -> exchange.candles(key))
            .build();

    try (TieredCache cache = TieredCache.builder()
            .tier(redis)                                  // L2, and its bus: invalidations reach every node
            .tier(postgres)                               // L3: survives Redis restarts
            .namespace(candles)
            .build()) {
      List<Candle> hour = cache.namespace(candles).get("BTCUSDT:1h:1700000000");
      assertThat(hour).containsExactly(new Candle(1_700_000_000_000L, "37000.5", "37010")); // test only
      assertThat(cache.namespace(candles).stats().tier("redis").misses()).isEqualTo(1); // test only
      assertThat(cache.namespace(candles).stats().tier("postgres").misses()).isEqualTo(1); // test only
    }
    // README snippet shared-tiers: end
  }

  @Test
  void readmeRateLimitSnippetRuns() throws Exception {
    // README snippet rate-limit: begin
    // Binance spot: 6,000 request weight per clock-aligned minute, and at most 20 requests a second.
    RateLimit binance = RateLimit.of(
        Bandwidth.builder().id("weight-1m").capacity(6_000).refillWindow(Duration.ofMinutes(1)).build(),
        Bandwidth.perPeriod(20, Duration.ofSeconds(1)));
    RateLimiter exchange = LocalRateLimiter.builder().name("binance").limit(binance).build();

    exchange.acquire("ip-1", 10, Duration.ofSeconds(2));        // weight 10; waits FIFO, or fails at once
    RateLimitDecision d = exchange.tryAcquire("ip-1", 1);       // never waits
    if (!d.allowed()) {
      String retryAfter = RateLimitHeaders.retryAfter(d);       // seconds, rounded up
      assertThat(Long.parseLong(retryAfter)).isPositive(); // test only
    }
    exchange.syncUsage("ip-1", "weight-1m", 1_234);             // from X-MBX-USED-WEIGHT-1M
    KeyLimiter ip1 = exchange.forKey("ip-1");                   // the same bucket, held: no lookup per call
    boolean sent = ip1.tryConsume(1);

    // Your own API per tenant: Free 10/s, Pro 100/s, Enterprise 1,000/s.
    RateLimiter api = LocalRateLimiter.builder().name("api")
        .plans(TenantPlans.standardApiPlans().assign("acme", "pro").build())
        .build();
    boolean served = api.tryConsume("acme", 1);
    InetAddress remoteAddress = InetAddress.getByName("2001:db8:1:2::7"); // test only
    boolean anonymous = api.tryConsume(ClientAddress.key(remoteAddress), 1); // "ip:10.0.0.7"; IPv6: its /64
    // README snippet rate-limit: end

    assertThat(d.allowed()).isTrue();
    assertThat(served).isTrue();
    assertThat(anonymous).isTrue();
    assertThat(sent).isTrue();
    assertThat(exchange.tryAcquire("ip-1", 1).remaining()).isLessThanOrEqualTo(6_000 - 1_234 - 1);
  }
}
