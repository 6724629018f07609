package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.testing.exchange.SimulatedExchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The engine's README snippet, compiled and run against the simulated exchange. The region between
 * the {@code README snippet engine} markers follows the conventions of the examples module's
 * {@code ReadmeSnippetTest} (lines ending in {@code // test only} are not in the README), so it can
 * move there when the README takes the section.
 */
class ReadmeEngineSnippetTest {

  @Test
  void readmeEngineSnippetRuns() throws Exception {
    MeterRegistry meterRegistry = new SimpleMeterRegistry();
    List<String> symbols = List.of("BTCUSDT", "ETHUSDT", "NOPEUSDT");
    try (SimulatedExchange exchange = SimulatedExchange.builder().unknown("NOPEUSDT").start();
        TieredCache cache = Fixtures.inProcessCache()) {
      Namespace<String, String> prices = Fixtures.prices(cache);
      Source<String, String> tickers = exchange.source(10);

      // README snippet engine: begin
      // Binance spot: 6,000 request weight per clock minute, counted per IP.
      Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(6_000).refillWindow(Duration.ofMinutes(1)).build();
      RateLimiter exchangeLimiter = LocalRateLimiter.builder().name("binance").limit(RateLimit.of(weight)).build();

      try (BatchEngine<String, String> engine = BatchEngine.builder(prices, tickers) // a Namespace and your Source
              .quota(exchangeLimiter, "ip-1")              // every call pays Source.weight(keys) here first
              .usedWeightBandwidth(weight)                 // X-MBX-USED-WEIGHT-1M -> exchangeLimiter.syncUsage
              .concurrency(Concurrency.adaptive(2, 64))    // AIMD between 2 and 64 calls at once
              .retry(Retry.exponential(3, Duration.ofMillis(50)))
              .circuitBreaker(CircuitBreaker.of(5, Duration.ofSeconds(10)))
              .queue(Priority.HIGH, 100).queue(Priority.NORMAL, 1_000).queue(Priority.LOW, 10_000) // in items
              .build()) {
        engine.bindTo(meterRegistry);                      // hotpath.engine.* meters
        CompletableFuture<BatchResult<String, String>> soon =
            engine.submit(BatchRequest.of(symbols).priority(Priority.HIGH).deadline(Duration.ofSeconds(2)));
        BatchResult<String, String> result = engine.process(BatchRequest.of(symbols)); // the blocking form
        String btc = result.value("BTCUSDT");              // or result.values(): key -> value, request order
        ItemFailure why = result.failures().get("NOPEUSDT"); // NOT_FOUND; one bad key never fails the batch
        EngineSnapshot now = engine.snapshot();            // items/s, hit rate, quota used/limit, workers, queues
        assertThat(btc).isEqualTo(SimulatedExchange.valueOf("BTCUSDT")); // test only
        assertThat(why.kind()).isEqualTo(FailureKind.NOT_FOUND); // test only
        assertThat(Fixtures.get(soon).values()).hasSize(2); // test only
        assertThat(result.fromCache() + result.fromSource()).isEqualTo(2); // test only
        assertThat(now.quotaLimit()).isEqualTo(6_000); // test only
        assertThat(exchange.requests()).isLessThanOrEqualTo(2); // test only
      }
      // README snippet engine: end
    }
  }
}
