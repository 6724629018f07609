package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.hotpath.HotpathHealth.Kind;
import dev.hotpath.HotpathHealth.Part;
import dev.hotpath.TestSupport.CountingSource;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.BatchResult;
import dev.hotpath.engine.Retry;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceReply;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A Hotpath with nothing configured but what runs in process: no Redis, no PostgreSQL. */
class HotpathInProcessTest {
  private final NamespaceSpec<String, String> symbols = spec("symbols");
  private final NamespaceSpec<String, String> prices = spec("prices");
  private final CountingSource exchange = new CountingSource("exchange");

  private Hotpath.Builder everything() {
    return Hotpath.builder()
        .namespace(symbols)
        .namespace(prices)
        .rateLimiter("binance", RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofHours(1))))
        .engine("prices", prices, exchange, (engine, limiters) -> engine.quota(limiters.get("binance"), "ip-1"));
  }

  @Test
  void theCacheTheLimitersAndTheEnginesRunInProcess() throws Exception {
    try (Hotpath hotpath = everything().build()) {
      assertThat(hotpath.cache().namespace(symbols).get("BTCUSDT")).isEqualTo("loaded:BTCUSDT");
      assertThat(hotpath.cache().tierNames()).containsExactly("memory");
      assertThat(hotpath.rateLimiter("binance")).isInstanceOf(LocalRateLimiter.class);

      BatchResult<String, String> result = hotpath.engine("prices", prices).process(BatchRequest.of(List.of("ETHUSDT")));

      assertThat(result.value("ETHUSDT")).isEqualTo("fetched:ETHUSDT");
      assertThat(hotpath.rateLimiter("binance").tryAcquire("ip-1", 1).remaining())
          .as("the source call paid 1 to the limiter, this acquire 1 more").isEqualTo(998);
      assertThat(hotpath.cache().namespace(prices).getIfPresent("ETHUSDT")).isEqualTo("fetched:ETHUSDT");
    }
  }

  @Test
  void itsHealthHasOnePartPerPartAllUp() {
    try (Hotpath hotpath = everything().build()) {
      HotpathHealth health = hotpath.health();

      assertThat(health.status()).isEqualTo(Status.UP);
      assertThat(health.parts()).extracting(Part::kind, Part::name, Part::status).containsExactly(
          tuple(Kind.CACHE, "cache", Status.UP),
          tuple(Kind.RATE_LIMITER, "binance", Status.UP),
          tuple(Kind.ENGINE, "prices", Status.UP));
    }
  }

  @Test
  void anEngineIsHandedOutWithTheTypesOfItsNamespaceOnly() {
    try (Hotpath hotpath = everything().build()) {
      BatchEngine<?, ?> untyped = hotpath.engine("prices");
      assertThat(hotpath.engine("prices", prices)).isSameAs(untyped);

      assertThatThrownBy(() -> hotpath.engine("prices", symbols))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("engine 'prices' serves namespace 'prices'");
      assertThatThrownBy(() -> hotpath.engine("klines"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("no engine 'klines'; configured: [prices]");
      assertThatThrownBy(() -> hotpath.rateLimiter("api"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("no rateLimiter 'api'; configured: [binance]");
    }
  }

  @Test
  void oneBindToPublishesTheMetersOfTheCacheTheLimitersAndTheEngines() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Hotpath hotpath = everything().build()) {
      hotpath.bindTo(registry);

      assertThat(registry.find("cache.gets").tag("cache", "symbols").meters()).isNotEmpty();
      assertThat(registry.find("hotpath.ratelimiter.calls").tag("name", "binance").meters()).isNotEmpty();
      assertThat(registry.find("hotpath.engine.items").tag("source", "exchange").meters()).isNotEmpty();
    }
  }

  @Test
  void closeClosesWhatItCreatedNewestFirstAndThenEveryPartIsDown() {
    Hotpath hotpath = everything().build();
    BatchEngine<?, ?> engine = hotpath.engine("prices");

    hotpath.close();
    hotpath.close();

    assertThat(hotpath.closedParts()).containsExactly("engine prices", "cache");
    assertThat(engine.isClosed()).isTrue();
    assertThatThrownBy(() -> hotpath.cache().namespace(symbols).get("BTCUSDT"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the cache is closed");
    assertThat(hotpath.health().status()).isEqualTo(Status.DOWN);
    assertThat(hotpath.health().parts()).allMatch(p -> p.status() == Status.DOWN && p.reason().equals("closed"));
  }

  @Test
  void closingFromSeveralThreadsAtOnceClosesEachPartOnce() throws Exception {
    Hotpath hotpath = everything().build();
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<String>>> closes = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        closes.add(pool.submit(() -> {
          start.await();
          hotpath.close();
          return hotpath.closedParts();
        }));
      }
      start.countDown();
      for (Future<List<String>> close : closes) {
        // Whichever thread closed, each returned only once everything was closed.
        assertThat(close.get(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly("engine prices", "cache");
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(hotpath.closedParts()).containsExactly("engine prices", "cache");
  }

  /**
   * A second close() (a shutdown hook, say) while another thread is closing returns only when that
   * close is done: here the first is held by an engine draining a batch whose source call the test
   * answers. health() meanwhile answers at once: everything closed.
   */
  @Test
  void aSecondCloseWaitsForTheFirstToFinish() throws Exception {
    CompletableFuture<SourceReply<String, String>> reply = new CompletableFuture<>();
    CountDownLatch called = new CountDownLatch(1);
    Source<String, String> held = new Source<>() {
      @Override
      public String name() {
        return "held";
      }

      @Override
      public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
        called.countDown();
        return reply;
      }
    };
    Duration never = Duration.ofHours(1);
    Hotpath hotpath = Hotpath.builder()
        .namespace(prices)
        .engine("prices", prices, held, (engine, limiters) -> engine
            .retry(Retry.none()).callTimeout(never).defaultDeadline(never).drainTimeout(never))
        .build();
    CompletableFuture<BatchResult<String, String>> batch =
        hotpath.engine("prices", prices).submit(BatchRequest.of(List.of("BTCUSDT")));
    assertThat(called.await(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the source was called").isTrue();
    AtomicBoolean answered = new AtomicBoolean();
    AtomicBoolean secondReturnedAfterTheAnswer = new AtomicBoolean();
    Thread first = new Thread(hotpath::close, "first-close");
    Thread second = new Thread(() -> {
      hotpath.close();
      secondReturnedAfterTheAnswer.set(answered.get());
    }, "second-close");

    first.start();
    TestSupport.await("the first close drains the engine", () -> hotpath.engine("prices").isClosed());
    second.start();
    TestSupport.await("the second close waits (or returned)", () -> second.getState() == Thread.State.BLOCKED
        || second.getState() == Thread.State.WAITING || second.getState() == Thread.State.TIMED_WAITING
        || second.getState() == Thread.State.TERMINATED);
    HotpathHealth whileClosing = hotpath.health();
    answered.set(true);
    reply.complete(SourceReply.of(Map.of("BTCUSDT", "64000")));
    first.join(TestSupport.PATIENCE.toMillis());
    second.join(TestSupport.PATIENCE.toMillis());

    assertThat(first.isAlive() || second.isAlive()).as("a close still running").isFalse();
    assertThat(secondReturnedAfterTheAnswer).as("the second close returned after the first finished").isTrue();
    assertThat(TestSupport.get(batch).value("BTCUSDT")).isEqualTo("64000");
    assertThat(hotpath.closedParts()).containsExactly("engine prices", "cache");
    assertThat(whileClosing.status()).isEqualTo(Status.DOWN);
    assertThat(whileClosing.parts()).extracting(Part::kind, Part::name, Part::status, Part::reason).containsExactly(
        tuple(Kind.CACHE, "cache", Status.DOWN, "closed"),
        tuple(Kind.ENGINE, "prices", Status.DOWN, "closed"));
  }

  @Test
  void aHotpathOfLimitersAloneHasNoCache() {
    try (Hotpath hotpath = Hotpath.builder()
        .rateLimiter("api", RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1))))
        .build()) {
      assertThat(hotpath.rateLimiter("api").tryConsume("acme", 1)).isTrue();
      assertThat(hotpath.health().parts()).extracting(Part::kind).containsExactly(Kind.RATE_LIMITER);
      assertThatThrownBy(hotpath::cache)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("no namespace is configured, so there is no cache");
    }
  }
}
