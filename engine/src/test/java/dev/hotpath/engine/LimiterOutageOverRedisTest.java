package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.ratelimit.RedisDownPolicy;
import dev.hotpath.ratelimit.RedisRateLimiter;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine behind a rate limiter whose Redis stops, over a real Redis the test stops and starts:
 * the limiter fails closed, so it answers {@link RateLimiterUnavailableException} with the time it
 * will ask Redis again. The engine's side of that answer is tested with a scripted limiter in
 * {@link ResilienceTest}; this is the same with the limiter the engine meets in production.
 */
class LimiterOutageOverRedisTest {
  private final TestRedis redis = TestRedis.get();
  private RedisClient client;
  private RedisRateLimiter limiter;

  @BeforeEach
  void setUp() {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    client = RedisClient.create(redis.uri());
  }

  /**
   * A fail-closed limiter on the test's Redis that asks Redis again {@code retryInterval} after it
   * found it gone, and waits for an answer at most a second.
   */
  private void openLimiter(Duration retryInterval) {
    limiter = RedisRateLimiter.builder()
        .name("exchange")
        .limit(RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofSeconds(1))))
        .client(client)
        .keyPrefix(redis.newKeyPrefix("engine-limiter-outage"))
        .downPolicy(RedisDownPolicy.failClosed())
        .timeout(Duration.ofSeconds(1))
        .retryInterval(retryInterval)
        .build();
    assertThat(limiter.tryConsume("ip-1", 1)).as("Redis answers before the outage").isTrue();
  }

  @AfterEach
  void tearDown() {
    try {
      if (!redis.isRunning()) {
        redis.start();
      }
    } finally {
      if (limiter != null) {
        limiter.close();
      }
      if (client != null) {
        client.shutdown();
      }
    }
  }

  /** Stops Redis and waits until the limiter says so with a time to ask again (its circuit is open). */
  private void stopRedis() {
    redis.stop();
    await("the limiter finds Redis gone", () -> {
      try {
        limiter.tryConsume("ip-1", 1);
        return false;
      } catch (RateLimiterUnavailableException e) {
        return e.retryAfterNanos() > 1; // 1 is a timeout that opened no circuit: the next call asks
      }
    });
  }

  /**
   * Two calls (one key each) wait out the outage: while one of them is the limiter's probe (which
   * waits up to the limiter's timeout), the other is answered without asking and must be told to
   * come back later, not rejected.
   */
  @Test
  void aBatchWaitsOutTheOutageAndIsServedWhenRedisIsBack() throws Exception {
    openLimiter(Duration.ofMillis(200));
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").build()) {
      stopRedis();
      CompletableFuture<BatchResult<String, String>> batch =
          engine.submit(BatchRequest.of(List.of("A", "B")).deadline(Duration.ofSeconds(60)));
      await("the engine pauses for the limiter", () -> !engine.snapshot().pausedFor().isZero());
      assertThat(source.calls).as("nothing is sent while the limiter cannot decide").isEmpty();

      redis.start();
      BatchResult<String, String> result = get(batch);

      assertThat(result.failures()).isEmpty();
      assertThat(result.values()).containsOnlyKeys("A", "B");
      assertThat(source.calls).containsExactlyInAnyOrder(List.of("A"), List.of("B"));
    }
  }

  /** The limiter asks Redis again only after the batch's deadline: nothing to wait for. */
  @Test
  void aBatchWhoseDeadlineComesFirstIsRejectedNamingTheLimiter() throws Exception {
    openLimiter(Duration.ofSeconds(30));
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").build()) {
      stopRedis();
      BatchResult<String, String> result =
          engine.process(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(2)));

      assertThat(result.values()).isEmpty();
      assertThat(result.failures().get("A").kind()).isEqualTo(FailureKind.REJECTED);
      assertThat(result.failures().get("A").message())
          .contains("rate limiter 'exchange' is unavailable until after the deadline");
      assertThat(source.calls).isEmpty();
      assertThatThrownBy(() -> limiter.tryConsume("ip-1", 1))
          .as("Redis is still away: the outage, not a fault of the engine, rejected the batch")
          .isInstanceOf(RateLimiterUnavailableException.class);
    }
  }
}
