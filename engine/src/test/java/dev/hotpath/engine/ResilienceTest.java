package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static dev.hotpath.engine.Fixtures.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitExceededException;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.testing.exchange.SimulatedExchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Circuit breaker, retries, refusals and partial failures. */
class ResilienceTest {

  private static CompletableFuture<SourceReply<String, String>> down() {
    return CompletableFuture.failedFuture(new IOException("connection refused"));
  }

  @Test
  void theBreakerOpensAfterFailuresFailsFastProbesAfterItsOpenTimeAndClosesOnSuccess() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicBoolean failing = new AtomicBoolean(true);
    source.answer(keys -> failing.get() ? down() : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .clock(clock).retry(Retry.none()).concurrency(Concurrency.fixed(1))
            .circuitBreaker(CircuitBreaker.of(3, Duration.ofSeconds(10)))
            .defaultDeadline(Duration.ofMinutes(5)).build()) {
      for (String key : List.of("A", "B", "C")) {
        assertThat(failure(engine, key).kind()).isEqualTo(FailureKind.SOURCE_ERROR);
      }
      assertThat(engine.snapshot().circuitState()).isEqualTo(CircuitBreaker.State.OPEN);

      ItemFailure fastFail = failure(engine, "D");
      assertThat(fastFail.kind()).isEqualTo(FailureKind.CIRCUIT_OPEN);
      assertThat(fastFail.message()).contains("circuit breaker of source 'scripted' is open");
      assertThat(source.callCount()).isEqualTo(3);

      clock.advance(Duration.ofSeconds(10));
      assertThat(engine.snapshot().circuitState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
      assertThat(failure(engine, "E").kind()).isEqualTo(FailureKind.SOURCE_ERROR); // the probe fails
      assertThat(engine.snapshot().circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(failure(engine, "F").kind()).isEqualTo(FailureKind.CIRCUIT_OPEN);
      assertThat(source.callCount()).isEqualTo(4);

      clock.advance(Duration.ofSeconds(10));
      failing.set(false);
      assertThat(engine.process(BatchRequest.of(List.of("G"))).values()).containsEntry("G", valueOf("G")); // the probe succeeds
      assertThat(engine.snapshot().circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(engine.process(BatchRequest.of(List.of("H", "I"))).isComplete()).isTrue();
      assertThat(source.callCount()).isEqualTo(7);
    }
  }

  private static ItemFailure failure(BatchEngine<String, String> engine, String key) throws InterruptedException {
    BatchResult<String, String> result = engine.process(BatchRequest.of(List.of(key)));
    assertThat(result.failures()).containsKey(key);
    return result.failures().get(key);
  }

  @Test
  void aFailingCallIsRetriedWithBackoffWithinTheDeadline() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    source.answer(keys -> attempts.computeIfAbsent(keys.get(0), k -> new AtomicInteger()).incrementAndGet() <= 2
        ? down() : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .retry(Retry.exponential(3, Duration.ofMillis(10))).build()) {
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(20)));

      assertThat(result.values()).containsEntry("A", valueOf("A"));
      assertThat(result.sourceCalls()).isEqualTo(3);
      assertThat(result.weightUsed()).isEqualTo(3);
    }
  }

  @Test
  void aRetryWhoseBackoffWouldPassTheDeadlineIsNotWaitedFor() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.answer(keys -> down());
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .retry(Retry.exponential(5, Duration.ofSeconds(60))).build()) { // jittered: 30 to 60 s
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(20)));

      ItemFailure failure = result.failures().get("A");
      assertThat(failure.kind()).isEqualTo(FailureKind.SOURCE_ERROR); // not TIMED_OUT: it did not wait
      assertThat(failure.cause()).containsInstanceOf(IOException.class);
      assertThat(source.callCount()).isEqualTo(1);
    }
  }

  @Test
  void aRefusalPausesEveryCallToTheSourceUntilItsRetryAfter() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicBoolean refuse = new AtomicBoolean(true);
    source.answer(keys -> refuse.getAndSet(false)
        ? CompletableFuture.failedFuture(new SourceRefusedException(429, Duration.ofSeconds(10), 1_200))
        : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .clock(clock).concurrency(Concurrency.fixed(4)).defaultDeadline(Duration.ofMinutes(5)).build()) {
      CompletableFuture<BatchResult<String, String>> refused = engine.submit(BatchRequest.of(List.of("A")));
      await("the pause", () -> engine.snapshot().pausedFor().equals(Duration.ofSeconds(10)));
      CompletableFuture<BatchResult<String, String>> other = engine.submit(BatchRequest.of(List.of("B")));
      await("both calls queued", () -> engine.core().queuedCalls() == 2);
      assertThat(source.callCount()).as("no call during the pause, from any batch").isEqualTo(1);
      assertThat(refused).isNotDone();

      clock.advance(Duration.ofSeconds(10));
      CompletableFuture<BatchResult<String, String>> third = engine.submit(BatchRequest.of(List.of("C")));

      assertThat(get(refused).values()).containsEntry("A", valueOf("A")); // the refused call was made again
      assertThat(get(other).isComplete()).isTrue();
      assertThat(get(third).isComplete()).isTrue();
      assertThat(source.callsFor("A")).isEqualTo(2);
      assertThat(get(refused).sourceCalls()).isEqualTo(2);
    }
  }

  @Test
  void oneBadKeyFailsAloneAndAnUnknownOneIsNotFound() throws Exception {
    try (SimulatedExchange exchange = SimulatedExchange.builder().invalid("BAD").unknown("GONE").start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), exchange.source(8))
            .circuitBreaker(CircuitBreaker.of(1, Duration.ofMinutes(1))).build()) {
      List<String> keys = List.of("A", "B", "BAD", "C", "GONE", "D", "E", "F");

      BatchResult<String, String> result = engine.process(BatchRequest.of(keys));

      assertThat(result.values()).containsOnlyKeys("A", "B", "C", "D", "E", "F");
      assertThat(result.value("D")).isEqualTo(SimulatedExchange.valueOf("D"));
      assertThat(result.failures().get("BAD").kind()).isEqualTo(FailureKind.SOURCE_ERROR);
      assertThat(result.failures().get("BAD").cause()).containsInstanceOf(IllegalArgumentException.class);
      assertThat(result.failures().get("GONE").kind()).isEqualTo(FailureKind.NOT_FOUND);
      assertThat(result.failureCounts()).containsOnly(Map.entry(FailureKind.SOURCE_ERROR, 1), Map.entry(FailureKind.NOT_FOUND, 1));
      assertThat(engine.snapshot().circuitState()).as("a bad request is not a sick source").isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(exchange.requestsFor("BAD")).isEqualTo(4); // 8 keys, then halves of 4, 2 and 1
    }
  }

  @Test
  void aCallWhoseWeightTheLimiterCannotGrantBeforeTheDeadlineIsRejectedAtOnce() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(10).refillWindow(Duration.ofMinutes(1)).build();
    RateLimiter limiter = LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).clock(clock).build();
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(1, 10);
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .clock(clock).quota(limiter, "ip-1").concurrency(Concurrency.fixed(1)).build()) {
      BatchResult<String, String> result =
          engine.process(BatchRequest.of(List.of("A", "B")).deadline(Duration.ofSeconds(1)));

      assertThat(result.values()).hasSize(1); // the first call took the window's 10
      ItemFailure rejected = result.failures().values().iterator().next();
      assertThat(rejected.kind()).isEqualTo(FailureKind.REJECTED);
      assertThat(rejected.cause()).containsInstanceOf(RateLimitExceededException.class);
      assertThat(source.callCount()).isEqualTo(1);
    }
  }

  @Test
  void aCallThatDoesNotAnswerWithinTheCallTimeoutIsRetriedAndItsLateReplyStillFillsTheCache() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    CompletableFuture<SourceReply<String, String>> firstAttempt = new CompletableFuture<>();
    AtomicInteger attempts = new AtomicInteger();
    source.answer(keys -> attempts.incrementAndGet() == 1 ? firstAttempt : Fixtures.ScriptedSource.found(keys));
    MeterRegistry registry = new SimpleMeterRegistry();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .callTimeout(Duration.ofMillis(100)).retry(Retry.exponential(2, Duration.ofMillis(5))).build()) {
      engine.bindTo(registry);
      CompletableFuture<BatchResult<String, String>> result = engine.submit(BatchRequest.of(List.of("A")));

      assertThat(get(result).values()).containsEntry("A", valueOf("A"));
      assertThat(get(result).sourceCalls()).isEqualTo(2);
      assertThat(registry.get("hotpath.engine.source.calls").tag("result", "timeout").functionCounter().count()).isEqualTo(1);
      firstAttempt.complete(Fixtures.ScriptedSource.found(List.of("A")).join()); // late: harmless
      assertThat(Fixtures.prices(cache).getIfPresent("A")).isEqualTo(valueOf("A"));
    }
  }

  @Test
  void serverErrorsAreRetriedAgainstTheRealExchange() throws Exception {
    try (SimulatedExchange exchange = SimulatedExchange.builder().start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), exchange.source(2))
            .retry(Retry.exponential(4, Duration.ofMillis(5))).concurrency(Concurrency.fixed(1)).build()) {
      exchange.failNext(2);

      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A", "B")));

      assertThat(result.isComplete()).isTrue();
      assertThat(result.sourceCalls()).isEqualTo(3);
    }
  }

  /**
   * {@code limiter}, except that while {@code broken} is set its {@code acquireAsync} throws what a
   * limiter the host closed throws (as {@code RedisRateLimiter} does once closed).
   */
  private static RateLimiter breakable(RateLimiter limiter, AtomicBoolean broken) {
    return (RateLimiter) Proxy.newProxyInstance(RateLimiter.class.getClassLoader(), new Class<?>[] {RateLimiter.class},
        (proxy, method, args) -> {
          if (method.getName().equals("acquireAsync") && broken.get()) {
            throw new IllegalStateException("RateLimiter '" + limiter.name() + "' is closed");
          }
          try {
            return method.invoke(limiter, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aLimiterThatThrowsFailsItsCallsAsRejectedAndReleasesTheirSlotsAndKeys() throws Exception {
    Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(1_000).refillWindow(Duration.ofMinutes(1)).build();
    AtomicBoolean broken = new AtomicBoolean(true);
    RateLimiter limiter = breakable(
        LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).build(), broken);
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").concurrency(Concurrency.adaptive(2, 8)).build()) {
      List<String> keys = List.of("A", "B", "C", "D");
      // The deadline is far: a call left holding its slot would hang the batch, not time it out.
      BatchResult<String, String> failed = get(engine.submit(BatchRequest.of(keys).deadline(Duration.ofHours(1))));

      assertThat(failed.failures()).containsOnlyKeys(keys);
      ItemFailure failure = failed.failures().get("A");
      assertThat(failure.kind()).isEqualTo(FailureKind.REJECTED);
      assertThat(failure.message()).contains("rate limiter 'exchange'").contains("is closed");
      assertThat(failure.cause()).containsInstanceOf(IllegalStateException.class);
      assertThat(source.callCount()).isZero();

      broken.set(false);
      BatchResult<String, String> served = get(engine.submit(BatchRequest.of(keys).deadline(Duration.ofHours(1))));
      assertThat(served.isComplete()).as(served.toString()).isTrue();
      assertThat(served.values()).containsEntry("D", valueOf("D"));
    }
  }

  @Test
  void aHalfOpenProbeWhoseLimiterThrowsLetsTheNextCallProbe() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(1_000).refillWindow(Duration.ofMinutes(1)).build();
    AtomicBoolean broken = new AtomicBoolean(false);
    RateLimiter limiter = breakable(
        LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).clock(clock).build(), broken);
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicBoolean failing = new AtomicBoolean(true);
    source.answer(keys -> failing.get() ? down() : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .clock(clock).quota(limiter, "ip-1").retry(Retry.none()).concurrency(Concurrency.fixed(1))
            .circuitBreaker(CircuitBreaker.of(1, Duration.ofSeconds(10)))
            .defaultDeadline(Duration.ofHours(1)).build()) {
      assertThat(get(engine.submit(BatchRequest.of(List.of("A")))).failures().get("A").kind())
          .isEqualTo(FailureKind.SOURCE_ERROR);
      clock.advance(Duration.ofSeconds(10));
      broken.set(true);
      assertThat(get(engine.submit(BatchRequest.of(List.of("B")))).failures().get("B").kind())
          .as("the probe could not get its weight").isEqualTo(FailureKind.REJECTED);

      broken.set(false);
      failing.set(false);
      BatchResult<String, String> probed = get(engine.submit(BatchRequest.of(List.of("C"))));
      assertThat(probed.values()).as(probed.toString()).containsEntry("C", valueOf("C"));
      assertThat(engine.snapshot().circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void aFetchCompletingWithNullIsASourceErrorThatIsRetried() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicInteger calls = new AtomicInteger();
    source.answer(keys -> calls.incrementAndGet() == 1
        ? CompletableFuture.completedFuture(null) : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .retry(Retry.exponential(2, Duration.ofMillis(1))).build()) {
      BatchResult<String, String> result = get(engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofHours(1))));

      assertThat(result.values()).as(result.toString()).containsEntry("A", valueOf("A"));
      assertThat(result.sourceCalls()).isEqualTo(2);
    }
  }

  @Test
  void aFetchCompletingWithNullFailsItsKeysWithoutRetriesAndLeavesThemFree() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicBoolean nullReply = new AtomicBoolean(true);
    source.answer(keys -> nullReply.get() ? CompletableFuture.completedFuture(null) : Fixtures.ScriptedSource.found(keys));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .retry(Retry.none()).build()) {
      BatchResult<String, String> failed = get(engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofHours(1))));

      ItemFailure failure = failed.failures().get("A");
      assertThat(failure).as(failed.toString()).isNotNull();
      assertThat(failure.kind()).isEqualTo(FailureKind.SOURCE_ERROR);
      assertThat(failure.cause()).containsInstanceOf(NullPointerException.class);
      assertThat(failure.message()).contains("completed with null");

      nullReply.set(false);
      BatchResult<String, String> served = get(engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofHours(1))));
      assertThat(served.values()).as(served.toString()).containsEntry("A", valueOf("A"));
    }
  }

  @Test
  void refusalsDoNotUseUpAttempts() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicInteger calls = new AtomicInteger();
    source.answer(keys -> switch (calls.incrementAndGet()) {
      case 1, 2 -> CompletableFuture.failedFuture(new SourceRefusedException(429, Duration.ofMillis(5), -1));
      case 3 -> CompletableFuture.failedFuture(new IOException("HTTP 503"));
      default -> Fixtures.ScriptedSource.found(keys);
    });
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .retry(Retry.exponential(3, Duration.ofMillis(1))).build()) {
      BatchResult<String, String> result = get(engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofHours(1))));

      assertThat(result.values()).as(result.toString()).containsEntry("A", valueOf("A"));
      assertThat(result.sourceCalls()).as("refusals were requests too").isEqualTo(4);
    }
  }

  /**
   * A source that refuses every call with {@code Retry-After: 0}: refusals use up no attempt, so
   * only the engine's least pause (100 ms, doubling per refusal of the call) keeps the call from
   * looping until the deadline. Within 2 s that allows at most 5 calls (at 0, 0.1, 0.3, 0.7 and 1.5
   * s); it made thousands before.
   */
  @Test
  void aSourceRefusingWithRetryAfterZeroIsNotCalledInALoop() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    AtomicInteger calls = new AtomicInteger();
    source.answer(keys -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new SourceRefusedException(429, Duration.ZERO, -1));
    });
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build()) {
      BatchResult<String, String> result = get(engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(2))));

      assertThat(result.values()).isEmpty();
      assertThat(result.failures()).containsOnlyKeys("A");
      assertThat(calls.get()).as("source calls").isBetween(1, 5);
    }
  }

  @Test
  void theLeastPauseAfterARefusalDoublesUpToTenSeconds() {
    assertThat(CallRunner.refusalPauseFloor(1)).isEqualTo(Duration.ofMillis(100).toNanos());
    assertThat(CallRunner.refusalPauseFloor(2)).isEqualTo(Duration.ofMillis(200).toNanos());
    assertThat(CallRunner.refusalPauseFloor(7)).isEqualTo(Duration.ofMillis(6_400).toNanos());
    assertThat(CallRunner.refusalPauseFloor(8)).isEqualTo(Duration.ofSeconds(10).toNanos());
    assertThat(CallRunner.refusalPauseFloor(1_000)).isEqualTo(Duration.ofSeconds(10).toNanos());
  }

  /**
   * B is refused for the first batch's 30 s deadline (the quota's window is spent for the next
   * minute) while that batch's read still holds it (A's call has not answered). A later batch
   * with its own deadline was handed that refusal as its own; it now asks the limiter itself, and
   * for its own deadline: the first batch, which has its outcome, no longer counts as waiting.
   */
  @Test
  void aKeyRefusedForAnotherBatchsDeadlineIsFetchedAgainForALaterBatch() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    AtomicInteger acquisitions = new AtomicInteger();
    List<Duration> maxWaits = new java.util.concurrent.CopyOnWriteArrayList<>();
    RateLimiter limiter = tenPerMinuteCounted(clock, acquisitions, maxWaits);
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(1, 10);
    CompletableFuture<SourceReply<String, String>> slowA = holdCallsOf(source, "A");
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = twoCallsAtOnce(cache, source, clock, limiter)) {
      java.util.concurrent.CountDownLatch oneDone = new java.util.concurrent.CountDownLatch(1);
      CompletableFuture<BatchResult<String, String>> first = engine.submit(BatchRequest.of(List.of("A", "B"))
          .deadline(Duration.ofSeconds(30)).listener((done, total) -> {
            if (done >= 1) {
              oneDone.countDown();
            }
          }));
      assertThat(oneDone.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("B refused for the first batch").isTrue();
      assertThat(acquisitions.get()).isEqualTo(2);

      BatchResult<String, String> second = engine.process(BatchRequest.of(List.of("B")).deadline(Duration.ofSeconds(2)));

      assertThat(acquisitions.get()).as("the second batch asked the limiter for B itself").isEqualTo(3);
      assertThat(maxWaits.get(2)).as("for its own deadline").isLessThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(second.failures().get("B").kind()).isEqualTo(FailureKind.REJECTED); // the window is still spent
      slowA.complete(Fixtures.ScriptedSource.found(List.of("A")).join());
      assertThat(get(first).values()).containsKey("A");
    }
  }

  /**
   * Keys a later batch must fetch itself, because their outcome was refused for an earlier batch's
   * deadline, go into calls together, as a batch's missing keys do: one call for two keys when a
   * call takes two.
   */
  @Test
  void keysRefusedForAnotherBatchsDeadlineAreFetchedAgainTogether() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    AtomicInteger acquisitions = new AtomicInteger();
    RateLimiter limiter = tenPerMinuteCounted(clock, acquisitions, new java.util.concurrent.CopyOnWriteArrayList<>());
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(2, 10); // two keys a call, the whole window each
    CompletableFuture<SourceReply<String, String>> slowA = holdCallsOf(source, "A");
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = twoCallsAtOnce(cache, source, clock, limiter)) {
      java.util.concurrent.CountDownLatch twoDone = new java.util.concurrent.CountDownLatch(1);
      // Calls [A, X] (in flight, held) and [B, C] (refused: the window's weight is spent).
      CompletableFuture<BatchResult<String, String>> first = engine.submit(BatchRequest.of(List.of("A", "X", "B", "C"))
          .deadline(Duration.ofSeconds(30)).listener((done, total) -> {
            if (done >= 2) {
              twoDone.countDown();
            }
          }));
      assertThat(twoDone.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("B and C refused for the first batch").isTrue();
      assertThat(acquisitions.get()).isEqualTo(2);

      clock.advance(Duration.ofMinutes(1)); // a new window: the second batch's fetch is granted
      BatchResult<String, String> second = engine.process(BatchRequest.of(List.of("B", "C")).deadline(Duration.ofSeconds(2)));

      assertThat(second.values()).containsOnlyKeys("B", "C");
      assertThat(acquisitions.get()).as("one call for B and C, as for any two keys of a batch").isEqualTo(3);
      slowA.complete(Fixtures.ScriptedSource.found(List.of("A", "X")).join());
      assertThat(get(first).values()).containsOnlyKeys("A", "X");
      assertThat(source.calls).containsExactly(List.of("A", "X"), List.of("B", "C"));
    }
  }

  /**
   * A limiter whose store is down (failing closed) cannot decide on a call's weight: the call waits
   * for the limiter's retry time and asks again within its deadline, rather than failing at once.
   */
  @Test
  void aCallWaitsForAnUnavailableLimiterWithinItsDeadline() throws Exception {
    AtomicInteger acquisitions = new AtomicInteger();
    RateLimiter limiter = unavailableFor(2, Duration.ofMillis(50), acquisitions);
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").build()) {
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(30)));

      assertThat(result.values()).containsOnlyKeys("A");
      assertThat(acquisitions.get()).as("two refusals by the down limiter, then its grant").isEqualTo(3);
      assertThat(source.calls).containsExactly(List.of("A"));
    }
  }

  @Test
  void aCallIsRejectedNamingTheLimiterWhenItStaysUnavailablePastTheDeadline() throws Exception {
    AtomicInteger acquisitions = new AtomicInteger();
    RateLimiter limiter = unavailableFor(Integer.MAX_VALUE, Duration.ofSeconds(60), acquisitions);
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").build()) {
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(10)));

      assertThat(acquisitions.get()).as("its retry time is past the deadline: asked once").isEqualTo(1);
      assertThat(result.failures().get("A").kind()).isEqualTo(FailureKind.REJECTED);
      assertThat(result.failures().get("A").message()).contains("rate limiter 'exchange' is unavailable until after the deadline");
      assertThat(source.calls).isEmpty();
    }
  }

  /**
   * While the limiter is unavailable no call starts, but a call already granted its weight is sent:
   * it needs nothing more from the limiter, and the source asked for no pause.
   */
  @Test
  void aCallGrantedItsWeightIsSentWhileTheLimiterIsUnavailableForAnother() throws Exception {
    List<CompletableFuture<Void>> acquisitions = new java.util.concurrent.CopyOnWriteArrayList<>();
    RateLimiter limiter = (RateLimiter) Proxy.newProxyInstance(RateLimiter.class.getClassLoader(),
        new Class<?>[] {RateLimiter.class}, (proxy, method, args) -> switch (method.getName()) {
          case "acquireAsync" -> {
            CompletableFuture<Void> answer = new CompletableFuture<>();
            acquisitions.add(answer);
            yield answer;
          }
          case "name" -> "exchange";
          default -> throw new UnsupportedOperationException(method.getName());
        });
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .quota(limiter, "ip-1").concurrency(Concurrency.fixed(2)).build()) {
      CompletableFuture<BatchResult<String, String>> first =
          engine.submit(BatchRequest.of(List.of("A")).deadline(Duration.ofSeconds(30)));
      CompletableFuture<BatchResult<String, String>> second =
          engine.submit(BatchRequest.of(List.of("B")).deadline(Duration.ofSeconds(2)));
      await("both calls ask the limiter", () -> acquisitions.size() == 2);

      acquisitions.get(0).completeExceptionally(unavailable(Duration.ofSeconds(3))); // A: ask again in 3 s
      await("no call starts while the limiter is away", () -> !engine.snapshot().pausedFor().isZero());
      acquisitions.get(1).complete(null); // B's weight granted

      BatchResult<String, String> result = get(second);
      assertThat(result.values()).containsOnlyKeys("B");
      assertThat(source.calls).containsExactly(List.of("B"));
      first.cancel(true); // A would wait out the limiter's 3 s; the engine need not drain it
    }
  }

  /** What a Redis limiter failing closed throws while Redis is away: ask again after {@code retryAfter}. */
  private static RateLimiterUnavailableException unavailable(Duration retryAfter) throws ReflectiveOperationException {
    // Its constructor is the limiter's own (package-private): built as RedisRateLimiter builds it.
    java.lang.reflect.Constructor<RateLimiterUnavailableException> constructor =
        RateLimiterUnavailableException.class.getDeclaredConstructor(String.class, long.class, Throwable.class);
    constructor.setAccessible(true);
    return constructor.newInstance("exchange", retryAfter.toNanos(), new IOException("Redis does not answer"));
  }

  /**
   * A generous local limiter named {@code exchange} whose first {@code outages} acquisitions fail
   * as a Redis limiter failing closed does while Redis is down, asking to be tried again after
   * {@code retryAfter}; {@code acquisitions} counts them all.
   */
  private static RateLimiter unavailableFor(int outages, Duration retryAfter, AtomicInteger acquisitions)
      throws ReflectiveOperationException {
    RateLimiter local = LocalRateLimiter.builder().name("exchange")
        .limit(RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofSeconds(1)))).build();
    RateLimiterUnavailableException down = unavailable(retryAfter);
    return (RateLimiter) Proxy.newProxyInstance(RateLimiter.class.getClassLoader(),
        new Class<?>[] {RateLimiter.class}, (proxy, method, args) -> {
          if (method.getName().equals("acquireAsync") && acquisitions.incrementAndGet() <= outages) {
            return CompletableFuture.failedFuture(down);
          }
          try {
            return method.invoke(local, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * A local limiter of 10 permits per clock minute on {@code clock} that counts its {@code
   * acquireAsync} calls in {@code acquisitions} and adds each one's longest wait to {@code maxWaits}.
   */
  private static RateLimiter tenPerMinuteCounted(Fixtures.ManualClock clock, AtomicInteger acquisitions,
      List<Duration> maxWaits) {
    Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(10).refillWindow(Duration.ofMinutes(1)).build();
    RateLimiter local = LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).clock(clock).build();
    return (RateLimiter) Proxy.newProxyInstance(RateLimiter.class.getClassLoader(),
        new Class<?>[] {RateLimiter.class}, (proxy, method, args) -> {
          if (method.getName().equals("acquireAsync")) {
            acquisitions.incrementAndGet();
            maxWaits.add((Duration) args[2]);
          }
          try {
            return method.invoke(local, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Answers every call of {@code source} at once, except those carrying {@code key}: they wait for the future returned. */
  private static CompletableFuture<SourceReply<String, String>> holdCallsOf(Fixtures.ScriptedSource source, String key) {
    CompletableFuture<SourceReply<String, String>> held = new CompletableFuture<>();
    source.answer(keys -> keys.contains(key) ? held : Fixtures.ScriptedSource.found(keys));
    return held;
  }

  private static BatchEngine<String, String> twoCallsAtOnce(TieredCache cache, Fixtures.ScriptedSource source,
      Fixtures.ManualClock clock, RateLimiter limiter) {
    return BatchEngine.builder(Fixtures.prices(cache), source)
        .clock(clock).quota(limiter, "ip-1").concurrency(Concurrency.fixed(2)).build();
  }
}
