package dev.hotpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupStrategy;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.BatchResult;
import dev.hotpath.engine.Retry;
import dev.hotpath.engine.Source;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisRateLimiter;
import dev.hotpath.testing.exchange.SimulatedExchange;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's "Hotpath builder" snippet, compiled and run against real Redis and PostgreSQL (the
 * fixtures) and the simulated exchange. The region between the {@code README snippet builder}
 * markers is compared with the README by the examples module's {@code ReadmeSyncTest}; lines
 * ending in {@code // test only} are not in the README.
 */
class HotpathReadmeSnippetTest {

  /** What the snippet calls a database: where symbol configurations come from. */
  static final class Database {
    String symbolConfig(String symbol) {
      return "{\"symbol\":\"" + symbol + "\"}";
    }
  }

  @Test
  void readmeBuilderSnippetRuns() throws Exception {
    String redisUrl = TestRedis.get().url();
    String prefix = TestRedis.get().newKeyPrefix("readme-builder");
    TestPostgres postgresServer = TestPostgres.get();
    String jdbcUrl = postgresServer.jdbcUrl();
    String user = postgresServer.user();
    String password = postgresServer.password();
    String schema = postgresServer.newSchemaName("readme_builder");
    Database database = new Database();
    MeterRegistry meterRegistry = new SimpleMeterRegistry();
    List<String> topSymbols = List.of("BTCUSDT", "ETHUSDT");
    try (SimulatedExchange exchange = SimulatedExchange.builder().start()) {
      Source<String, String> tickers = exchange.source(10);
      NamespaceSpec<String, String> prices = NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(TtlProfile.MARKET_PRICE)
          .build();

      // README snippet builder: begin
      NamespaceSpec<String, String> symbols = NamespaceSpec.builder("symbols", String.class, String.class)
          .ttl(TtlProfile.SYMBOL_CONFIG)                      // 1 h in process and in the shared tiers there are
          .loader(symbol -> database.symbolConfig(symbol))
          .build();
      RateLimit binance = RateLimit.of(
          Bandwidth.builder().id("weight-1m").capacity(6_000).refillWindow(Duration.ofMinutes(1)).build());
      WarmupPlan warmup = WarmupPlan.builder()
          .strategy(WarmupStrategy.keys("top-symbols", symbols, () -> topSymbols))
          .build();

      try (Hotpath hotpath = Hotpath.builder()                // or Hotpath.fromEnvironment(): HOTPATH_REDIS_URL, ...
              .redis(redisUrl)                                // optional: a Redis tier and its bus; limits shared in Redis
              .redisKeyPrefix(prefix)                         // default "hotpath"
              .redisTimeout(Duration.ofSeconds(10))           // test only
              .postgres(jdbcUrl, user, password)              // optional: a PostgreSQL tier
              .postgresSchema(schema)                         // default "hotpath"
              .namespace(symbols)
              .namespace(prices)
              .rateLimiter("binance", binance)                // a RedisRateLimiter with Redis, else a LocalRateLimiter
              .engine("tickers", prices, tickers, (engine, limiters) -> engine
                  .quota(limiters.get("binance"), "ip-1")
                  .retry(Retry.exponential(3, Duration.ofMillis(50))))
              .warmup(warmup, Hotpath.WarmupMode.BLOCK)       // or BACKGROUND, or OFF
              .build()) {
        hotpath.bindTo(meterRegistry);                        // the cache, its tiers, the limiters, the engines
        String btc = hotpath.cache().namespace(symbols).get("BTCUSDT"); // warmed at start
        BatchResult<String, String> quotes =
            hotpath.engine("tickers", prices).process(BatchRequest.of(List.of("BTCUSDT", "SOLUSDT")));
        HotpathHealth health = hotpath.health();              // UP, DEGRADED or DOWN, and every part's, with reasons
        assertThat(btc).isEqualTo("{\"symbol\":\"BTCUSDT\"}"); // test only
        assertThat(hotpath.warmup().getNow(null).entries()).isEqualTo(2); // test only
        assertThat(quotes.value("SOLUSDT")).isEqualTo(SimulatedExchange.valueOf("SOLUSDT")); // test only
        assertThat(hotpath.rateLimiter("binance")).isInstanceOf(RedisRateLimiter.class); // test only
        assertThat(hotpath.cache().tierNames()).containsExactly("memory", "redis", "postgres"); // test only
        assertThat(health.parts()).extracting(HotpathHealth.Part::kind).containsExactly(HotpathHealth.Kind.CACHE, // test only
            HotpathHealth.Kind.REDIS, HotpathHealth.Kind.POSTGRES, HotpathHealth.Kind.RATE_LIMITER, // test only
            HotpathHealth.Kind.ENGINE); // test only
        assertThat(meterRegistry.find("hotpath.engine.items").meters()).isNotEmpty(); // test only
      }                                                       // closes what it built, newest first; never the host's
      // README snippet builder: end
    }
  }
}
