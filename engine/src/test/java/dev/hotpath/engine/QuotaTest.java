package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.testing.exchange.SimulatedExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The engine against a Binance-like exchange over real HTTP, with one-second windows: it uses the
 * quota and is not refused. The exchange and the limiter share the system clock, as a host and an
 * exchange share wall-clock minutes.
 */
class QuotaTest {
  private static final long LIMIT = 200;
  private static final Duration WINDOW = Duration.ofSeconds(1);

  private static List<String> symbols(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> String.format("%s%04d", prefix, i)).toList();
  }

  private static Bandwidth weightPerWindow() {
    return Bandwidth.builder().id("weight-1m").capacity(LIMIT).refillWindow(WINDOW).build();
  }

  private static BatchEngine<String, String> engine(TieredCache cache, SimulatedExchange exchange, Bandwidth weight) {
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).build();
    return BatchEngine.builder(Fixtures.prices(cache), exchange.source(4))
        .quota(limiter, "ip-1")
        .usedWeightBandwidth(weight)
        .concurrency(Concurrency.adaptive(2, 8))
        .defaultDeadline(Duration.ofSeconds(60))
        .build();
  }

  /**
   * The cache is cold; the HTTP client is not (a first request of a fresh JDK client can take
   * hundreds of milliseconds to leave, and then arrives in a later window than it was granted in:
   * the engine counts such calls in both windows, which is safe but costs quota at that boundary).
   * Starting at a window's beginning makes every window but the last one the run can fill. A
   * warm-up batch before it also lets the adaptive concurrency limit leave its minimum.
   */
  @Test
  void aColdRunLongerThanOneWindowUsesTheQuotaAndIsNeverRefused() throws Exception {
    Bandwidth weight = weightPerWindow();
    try (SimulatedExchange exchange = SimulatedExchange.builder().clock(NanoClock.system()).quota(LIMIT, WINDOW)
            .weight(0, 5).latency(Duration.ofMillis(2)).start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = engine(cache, exchange, weight)) {
      assertThat(engine.process(BatchRequest.of(symbols("WARM", 16))).isComplete()).isTrue();
      Map<Long, Long> warmUp = exchange.weightByWindow();
      startOfNextWindow();
      // Calls of 4 symbols weigh 20: ten fill a window, so a loaded machine keeps up.
      List<String> keys = symbols("SYM", 150); // 38 calls: 3.75 windows of quota

      BatchResult<String, String> result = engine.process(BatchRequest.of(keys));

      assertThat(result.isComplete()).as(result.toString()).isTrue();
      assertThat(result.values().get("SYM0042")).isEqualTo(SimulatedExchange.valueOf("SYM0042"));
      assertThat(exchange.refusals()).as("429s: %s, weight by window %s", exchange.refusalLog(), exchange.weightByWindow()).isZero();
      assertThat(exchange.bans()).as("418s").isZero();
      Map<Long, Long> byWindow = exchange.weightByWindow();
      byWindow.keySet().removeAll(warmUp.keySet());
      List<Long> windows = new ArrayList<>(byWindow.keySet());
      assertThat(windows).as("windows used: %s", byWindow).hasSizeGreaterThanOrEqualTo(3);
      for (Long window : windows.subList(0, windows.size() - 1)) { // the last one has what was left
        assertThat(byWindow.get(window)).as("weight used in window %s of %s", window, byWindow)
            .isGreaterThanOrEqualTo(LIMIT * 95 / 100);
      }
      assertThat(result.weightUsed()).isEqualTo(byWindow.values().stream().mapToLong(Long::longValue).sum());
      assertThat(engine.snapshot().quotaLimit()).isEqualTo(LIMIT);
    }
  }

  /** Test setup, not a timing assertion: waits for the start of the next window (plus 20 ms). */
  private static void startOfNextWindow() throws InterruptedException {
    long now = NanoClock.system().nanos();
    long next = (Math.floorDiv(now, WINDOW.toNanos()) + 1) * WINDOW.toNanos() + 20_000_000L;
    NanoClock.system().sleepUntil(next);
  }

  @Test
  void anotherClientOnTheSameIpCostsAtMostOneRefusalAndNeverABan() throws Exception {
    Bandwidth weight = weightPerWindow();
    try (SimulatedExchange exchange = SimulatedExchange.builder().clock(NanoClock.system()).quota(LIMIT, WINDOW)
            .weight(1, 1).otherClientWeight(80).latency(Duration.ofMillis(2)).start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = engine(cache, exchange, weight)) {
      List<String> keys = symbols("SYM", 300); // 75 calls of weight 5, 120 of it fits a window: about three windows

      BatchResult<String, String> result = engine.process(BatchRequest.of(keys));

      assertThat(result.isComplete()).as(result.toString()).isTrue();
      assertThat(exchange.refusals()).as("429s: %s, weight by window %s", exchange.refusalLog(), exchange.weightByWindow()).isLessThanOrEqualTo(1);
      assertThat(exchange.bans()).as("418s").isZero();
      assertThat(exchange.weightByWindow().size()).isGreaterThanOrEqualTo(3);
    }
  }

  /** An exchange whose limit is below the configured one, which its headers cannot reveal: one refusal teaches it. */
  @Test
  void anExchangeStricterThanConfiguredCostsOneRefusalEpisodeAndNeverABan() throws Exception {
    Bandwidth weight = weightPerWindow();
    try (SimulatedExchange exchange = SimulatedExchange.builder().clock(NanoClock.system()).quota(150, WINDOW)
            .weight(1, 1).latency(Duration.ofMillis(2)).start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = engine(cache, exchange, weight)) {
      List<String> keys = symbols("SYM", 360); // 90 calls of weight 5, 30 of them fit the exchange's window

      BatchResult<String, String> result = engine.process(BatchRequest.of(keys));

      assertThat(result.isComplete()).as(result.toString()).isTrue();
      // One call over the limit; calls already on their way when it was refused may be refused too.
      assertThat(exchange.refusalLog()).as("over-limit refusals").hasSizeLessThanOrEqualTo(1);
      assertThat(exchange.bans()).as("418s").isZero();
      assertThat(engine.snapshot().quotaLimit()).isLessThanOrEqualTo(150);
    }
  }
}
