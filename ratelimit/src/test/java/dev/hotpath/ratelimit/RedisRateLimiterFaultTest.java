package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.ratelimit.LimiterRedis.Topology;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RedisRateLimiter} sharing a limit and going through faults, on the standalone server and
 * on the 3-master Cluster alike: script flushes, a server that stops, a server that hangs (frozen:
 * connections up, no answers), error replies. Real servers from the shared fixtures.
 */
@ExtendWith(RedisExtension.class)
@Timeout(180)
class RedisRateLimiterFaultTest {

  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final String FAILURES = "hotpath.ratelimiter.backend.failures";

  /** How Redis goes away in an outage test. */
  enum Outage {
    /** The standalone server stops: the connection drops, which opens the circuit at once. */
    STOPPED(Topology.STANDALONE),
    /** The standalone server hangs: the connection stays up and calls time out. */
    FROZEN(Topology.STANDALONE),
    /** Every master of the cluster hangs. */
    FROZEN_CLUSTER(Topology.CLUSTER);

    final Topology topology;

    Outage(Topology topology) {
      this.topology = topology;
    }
  }

  private final TestRedis server;
  private final String prefix;
  private LimiterRedis redis;

  RedisRateLimiterFaultTest(TestRedis server, RedisKeyPrefix prefix) {
    this.server = server;
    this.prefix = prefix.value();
  }

  @AfterEach
  void close() {
    if (redis != null) {
      redis.close();
    }
  }

  private void open(Topology topology, boolean faults) {
    redis = new LimiterRedis(topology, server);
    if (faults) {
      assumeTrue(redis.isOurs(), "needs an embedded Redis: an external server is not ours to stop or pause");
    }
  }

  private RedisRateLimiter.Builder limiter(String name, RateLimit limit, RedisDownPolicy policy, Duration timeout) {
    return redis.connect(RedisRateLimiter.builder().name(name).limit(limit).keyPrefix(prefix).downPolicy(policy)
        .timeout(timeout));
  }

  // ---- sharing a limit

  @ParameterizedTest
  @EnumSource(Topology.class)
  void fourClientsOnTheirOwnConnectionsShareOneLimitAndSurviveScriptFlush(Topology topology) throws Exception {
    open(topology, false);
    RateLimit limit = RateLimit.of(Bandwidth.perPeriod(400, Duration.ofHours(1))); // one refill per 9 s
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<RedisRateLimiter> limiters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      // one registry, so distinct names: Micrometer would keep only the first limiter's meters of a name
      RedisRateLimiter limiter = limiter("shared-" + i, limit, RedisDownPolicy.failClosed(), Duration.ofSeconds(5)).build();
      limiter.bindTo(registry);
      limiters.add(limiter);
    }
    LongAdder granted = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (RedisRateLimiter limiter : limiters) {
      for (int t = 0; t < 2; t++) {
        Thread thread = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < 250; i++) {
              if (limiter.tryConsume("shared-key", 1)) {
                granted.increment();
              }
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        threads.add(thread);
        thread.start();
      }
    }
    Thread flusher = new Thread(() -> {
      while (running.get()) {
        redis.flushScripts();
        Thread.onSpinWait();
      }
    });
    go.countDown();
    flusher.start();
    for (Thread thread : threads) {
      thread.join();
    }
    running.set(false);
    flusher.join();
    long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L + 1;
    assertThat(errors).isEmpty();
    assertThat(granted.sum()).isBetween(400L, 400L + elapsedSeconds / 9 + 1);
    assertThat(registry.get(FAILURES).functionCounters()).hasSize(4)
        .allSatisfy(failures -> assertThat(failures.count()).isZero());
    Collection<FunctionCounter> permitted = registry.get("hotpath.ratelimiter.calls").tag("result", "permitted").functionCounters();
    assertThat(permitted).hasSize(4);
    assertThat(permitted.stream().mapToDouble(FunctionCounter::count).sum()).isEqualTo(granted.sum());
  }

  // ---- outages: every kind of call, failing closed and open

  private void begin(Outage outage) {
    if (outage == Outage.STOPPED) {
      redis.stop();
    } else {
      redis.freeze();
    }
  }

  private void end(Outage outage) {
    if (outage == Outage.STOPPED) {
      redis.start();
    } else {
      redis.thaw();
    }
  }

  /**
   * A limiter for an outage test: a hung server keeps its connection, so there the first timeout
   * must open the circuit, as the lost connection of a stopped server does whatever the threshold.
   */
  private RedisRateLimiter.Builder outageLimiter(Outage outage, String name, RateLimit limit, RedisDownPolicy policy) {
    RedisRateLimiter.Builder builder = limiter(name, limit, policy, Duration.ofMillis(200));
    return outage == Outage.STOPPED ? builder : builder.failureThreshold(1);
  }

  @ParameterizedTest
  @EnumSource(Outage.class)
  void anOutageFailsClosedAtOnceForTheRetryIntervalAndRecovers(Outage outage) throws Exception {
    open(outage.topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    RedisRateLimiter limiter = outageLimiter(outage, "redis-test", RateLimit.of(Bandwidth.perPeriod(10, SECOND)),
        RedisDownPolicy.failClosed()).clock(clock).retryInterval(Duration.ofSeconds(5)).build();
    assertThat(eventuallyAllowed(limiter, clock)).as("allowed before the outage").isTrue();
    begin(outage);
    try {
      assertThatThrownBy(() -> limiter.tryAcquire("k"))
          .isInstanceOf(RateLimiterUnavailableException.class).hasMessageContaining("RateLimiter 'redis-test'");
      long sent = redis.commandsSent();
      // within the retry interval nobody waits on the dead server
      assertThatThrownBy(() -> limiter.acquire("k", 1, SECOND)).isInstanceOf(RateLimiterUnavailableException.class)
          .satisfies(e -> assertThat(((RateLimiterUnavailableException) e).retryAfter()).isEqualTo(Duration.ofSeconds(5)));
      assertThatThrownBy(() -> limiter.acquireAsync("k", 1, SECOND).get())
          .hasCauseInstanceOf(RateLimiterUnavailableException.class);
      assertThat(redis.commandsSent()).isEqualTo(sent);
    } finally {
      end(outage);
    }
    clock.advance(Duration.ofSeconds(5));
    assertThat(eventuallyAllowed(limiter, clock)).isTrue();
  }

  /**
   * A call the open circuit answers without asking is told to come back, never "0": its retry
   * instant can pass between the call's pass and its answer (each reading of this clock moves it
   * by a nanosecond), and the batch engine takes 0 for a failure no wait can cure.
   */
  @ParameterizedTest
  @EnumSource(value = Outage.class, names = {"STOPPED", "FROZEN"})
  void aCallAnsweredWithoutAskingIsToldToComeBackWhenTheInstantPassesMeanwhile(Outage outage) throws Exception {
    open(outage.topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    RedisRateLimiter limiter = outageLimiter(outage, "instant-passes", RateLimit.of(Bandwidth.perPeriod(10, SECOND)),
        RedisDownPolicy.failClosed()).clock(clock).retryInterval(SECOND).build();
    assertThat(eventuallyAllowed(limiter, clock)).as("allowed before the outage").isTrue();
    begin(outage);
    try {
      assertThatThrownBy(() -> limiter.tryConsume("k", 1)).isInstanceOf(RateLimiterUnavailableException.class);
      assertThat(limiter.circuitOpen()).isTrue();
      long sent = redis.commandsSent();
      clock.advance(SECOND.toNanos() - 1); // the circuit opened on the last reading: one nanosecond before its retry instant
      clock.tickOnEveryRead(1);
      assertThatThrownBy(() -> limiter.tryConsume("k", 1)).isInstanceOf(RateLimiterUnavailableException.class)
          .satisfies(e -> assertThat(((RateLimiterUnavailableException) e).retryAfterNanos()).isEqualTo(1))
          .hasMessageContaining("the next call asks Redis again");
      assertThat(redis.commandsSent()).as("answered without asking").isEqualTo(sent);
    } finally {
      clock.tickOnEveryRead(0);
      end(outage);
    }
  }

  @ParameterizedTest
  @EnumSource(Outage.class)
  void anOutageFailingClosedIsNotARefusal(Outage outage) {
    open(outage.topology, true);
    RateLimit limit = RateLimit.of(Bandwidth.builder().id("1s").capacity(10).refillGreedy(10, SECOND).build());
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L); // the retry interval never ends
    RedisRateLimiter limiter = outageLimiter(outage, "redis-test", limit, RedisDownPolicy.failClosed()).clock(clock).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    begin(outage);
    try {
      RateLimiterUnavailableException unavailable = null;
      try {
        limiter.tryConsume("k", 1);
        throw new AssertionError("no answer from Redis that is away");
      } catch (RateLimitExceededException e) {
        throw new AssertionError("an outage read as over the limit", e);
      } catch (RateLimiterUnavailableException e) {
        unavailable = e;
      }
      assertThat(unavailable.limiterName()).isEqualTo("redis-test");
      assertThat(unavailable).isInstanceOf(RateLimitException.class).isNotInstanceOf(RateLimitExceededException.class)
          .hasMessageStartingWith("RateLimiter 'redis-test' is unavailable").hasCauseInstanceOf(Exception.class);
      assertThat(unavailable.getCause()).isNotInstanceOf(RateLimitException.class);
      // within the retry interval too (answered without asking Redis), for every kind of call
      assertThatThrownBy(() -> limiter.acquire("k", 1, SECOND)).isExactlyInstanceOf(RateLimiterUnavailableException.class);
      assertThatThrownBy(() -> limiter.tryAcquire("k")).isExactlyInstanceOf(RateLimiterUnavailableException.class);
      assertThatThrownBy(() -> limiter.syncUsage("k", "1s", 1)).isExactlyInstanceOf(RateLimiterUnavailableException.class);
      assertThatThrownBy(() -> limiter.acquireAsync("k", 1, SECOND).get())
          .isInstanceOf(ExecutionException.class).cause().isExactlyInstanceOf(RateLimiterUnavailableException.class);
      // four requests for permits could not be decided (the sync is no request); one call reached Redis
      assertThat(registry.get("hotpath.ratelimiter.calls").tag("result", "unavailable").functionCounter().count()).isEqualTo(4);
      assertThat(registry.get("hotpath.ratelimiter.calls").tag("result", "rejected").functionCounter().count()).isZero();
      assertThat(registry.get("hotpath.ratelimiter.calls").tag("result", "permitted").functionCounter().count()).isZero();
      assertThat(registry.get(FAILURES).functionCounter().count()).isEqualTo(1);
    } finally {
      end(outage);
    }
  }

  @ParameterizedTest
  @EnumSource(Outage.class)
  void failingOpenServesALocalShareOfWhatRefillsMeanwhile(Outage outage) {
    open(outage.topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RateLimit limit = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofHours(1)));
    // The whole limit used through Redis first, with a timeout no loaded machine reaches.
    RedisRateLimiter patient = limiter("open", limit, RedisDownPolicy.failClosed(), Duration.ofSeconds(10)).clock(clock).build();
    assertThat(patient.tryConsume("k", 10)).isTrue();
    RedisRateLimiter limiter = outageLimiter(outage, "open", limit, RedisDownPolicy.failOpen(0.5)).clock(clock)
        .retryInterval(Duration.ofHours(2)).build();
    limiter.bindTo(registry);
    begin(outage);
    try {
      // The local share starts empty: a full one would grant 5 more than the limit, used up in Redis.
      assertThat(granted(limiter, 20)).isZero();
      clock.advance(Duration.ofHours(1));
      assertThat(granted(limiter, 20)).isEqualTo(5); // half of what the limit released meanwhile
      assertThat(registry.get(FAILURES).functionCounter().count()).isEqualTo(1);
    } finally {
      end(outage);
    }
  }

  private static int granted(RateLimiter limiter, int calls) {
    int granted = 0;
    for (int i = 0; i < calls; i++) {
      if (limiter.tryAcquire("k").allowed()) {
        granted++;
      }
    }
    return granted;
  }

  /** Lettuce reconnects on its own schedule; ask again (a bounded number of times) until it has. */
  private static boolean eventuallyAllowed(RateLimiter limiter, ManualClock clock) throws InterruptedException {
    for (int attempt = 0; attempt < 200; attempt++) {
      try {
        if (limiter.tryConsume("k", 1)) {
          return true;
        }
      } catch (RateLimiterUnavailableException e) {
        clock.advance(Duration.ofSeconds(5));
        Thread.sleep(50); // real time for the reconnect, not for the assertion
      }
    }
    return false;
  }

  // ---- a hung server: who waits for it

  @ParameterizedTest
  @EnumSource(Topology.class)
  void whileRedisHangsOneCallPerRetryIntervalWaitsForIt(Topology topology) throws Exception {
    open(topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    Duration retryInterval = Duration.ofSeconds(1);
    RedisRateLimiter limiter = limiter("probe", RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofHours(1))),
        RedisDownPolicy.failClosed(), SECOND).clock(clock).retryInterval(retryInterval).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    assertThat(limiter.tryConsume("warm-up", 1)).isTrue(); // the script is loaded
    int callers = 8;
    redis.freeze();
    try {
      // The calls made as Redis hangs wait for it: the circuit is closed until three have failed.
      callTogether(callers, limiter);
      assertThat(limiter.circuitOpen()).isTrue();
      for (int interval = 1; interval <= 3; interval++) {
        clock.advance(retryInterval);
        double before = failures(registry);
        callTogether(callers, limiter);
        // Every call that asked Redis waited the timeout and failed: the metric counts them.
        assertThat(failures(registry) - before).as("calls that waited on Redis after retry interval %d", interval)
            .isEqualTo(1);
      }
    } finally {
      redis.thaw();
    }
    clock.advance(retryInterval);
    assertThat(limiter.tryConsume("after", 1)).as("the probe's answer").isTrue();
    assertThat(limiter.circuitOpen()).isFalse();
    long sent = redis.commandsSent();
    assertThat(limiter.tryConsume("after", 1)).isTrue();
    assertThat(redis.commandsSent()).as("asked Redis").isEqualTo(sent + 1);
  }

  /** {@code callers} threads call {@code limiter} at once, each with its own key, failing closed. */
  private static void callTogether(int callers, RedisRateLimiter limiter) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      String key = "key-" + i;
      Thread thread = new Thread(() -> {
        try {
          go.await();
          limiter.tryConsume(key, 1);
          errors.add(new AssertionError("granted while Redis hangs"));
        } catch (RateLimiterUnavailableException expected) {
          // the down policy's answer
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(thread.isAlive()).as("caller still waiting").isFalse();
    }
    assertThat(errors).isEmpty();
  }

  private static double failures(SimpleMeterRegistry registry) {
    return registry.get(FAILURES).functionCounter().count();
  }

  // ---- one failed call

  @ParameterizedTest
  @EnumSource(Topology.class)
  void anErrorReplyFailsItsCallAloneAndNeverOpensTheCircuit(Topology topology) {
    open(topology, false);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L); // a retry interval would never end
    RedisRateLimiter limiter = limiter("errors", RateLimit.of(Bandwidth.perPeriod(10, SECOND)),
        RedisDownPolicy.failClosed(), Duration.ofSeconds(10)).clock(clock).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    redis.data().set(limiter.redisKey("poisoned"), "not the limiter's hash"); // the script fails on it: WRONGTYPE
    for (int i = 0; i < 5; i++) { // more than the threshold
      assertThatThrownBy(() -> limiter.tryAcquire("poisoned")).isInstanceOf(RateLimiterUnavailableException.class)
          .satisfies(e -> assertThat(((RateLimiterUnavailableException) e).retryAfterNanos()).isZero())
          .rootCause().hasMessageContaining("WRONGTYPE");
      assertThat(limiter.tryAcquire("healthy-" + i).allowed()).as("another key, after %d errors", i + 1).isTrue();
    }
    assertThat(limiter.circuitOpen()).isFalse();
    assertThat(failures(registry)).isEqualTo(5);
  }

  /**
   * A debt the local share left behind that Redis refuses once it answers again (an error reply:
   * the key is not the limiter's hash) is dropped, not owed again and sent after every answered call.
   */
  @ParameterizedTest
  @EnumSource(value = Outage.class, names = {"FROZEN", "FROZEN_CLUSTER"})
  void aDebtRedisRefusesIsDroppedNotSentAfterEveryCall(Outage outage) throws InterruptedException {
    open(outage.topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    RedisRateLimiter limiter = outageLimiter(outage, "refused-debt", RateLimit.of(Bandwidth.perPeriod(10, SECOND)),
        RedisDownPolicy.failOpen(0.5)).clock(clock).retryInterval(Duration.ofHours(1)).build();
    redis.data().set(limiter.redisKey("poisoned"), "not the limiter's hash");
    begin(outage);
    try {
      assertThat(limiter.tryAcquire("poisoned").allowed()).as("the share's bucket starts empty").isFalse();
      assertThat(limiter.circuitOpen()).isTrue();
      clock.advance(SECOND);
      assertThat(limiter.tryAcquire("poisoned").allowed()).as("5 refilled in the share").isTrue();
      assertThat(limiter.owedPermits()).isEqualTo(1);
    } finally {
      end(outage);
    }
    clock.advance(Duration.ofHours(1));
    assertThat(limiter.tryAcquire("healthy").allowed()).as("the probe").isTrue();
    assertThat(limiter.circuitOpen()).isFalse();
    await("the debt sent and refused", () -> limiter.refusedDebits() == 1);
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire("healthy-" + i).allowed()).isTrue();
    }
    assertThat(limiter.owedPermits()).isZero();
    assertThat(limiter.refusedDebits()).as("sent once, not after every answered call").isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Topology.class)
  void aTimeoutBelowTheThresholdFailsItsCallAlone(Topology topology) {
    open(topology, true);
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L); // a retry interval would never end
    RedisRateLimiter limiter = limiter("timeouts", RateLimit.of(Bandwidth.perPeriod(10, SECOND)),
        RedisDownPolicy.failClosed(), SECOND).clock(clock).build();
    assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
    redis.freeze();
    try {
      // Redis may answer the next call: come back at once, but an outage, not a refusal no wait can cure.
      assertThatThrownBy(() -> limiter.tryAcquire("slow")).isInstanceOf(RateLimiterUnavailableException.class)
          .satisfies(e -> assertThat(((RateLimiterUnavailableException) e).retryAfterNanos()).isEqualTo(1))
          .hasMessageContaining("the next call asks Redis again");
    } finally {
      redis.thaw();
    }
    long sent = redis.commandsSent();
    RateLimitDecision other = limiter.tryAcquire("other");
    // (EVALSHA, and EVAL after it on a cluster master that has not run the script yet)
    assertThat(redis.commandsSent()).as("asked Redis").isGreaterThan(sent);
    assertThat(other.allowed()).isTrue();
  }

  // ---- failing open: the total across an outage

  @ParameterizedTest
  @EnumSource(Topology.class)
  void failingOpenAcrossAHangGrantsNoMoreThanOneBucketThatRedisNeverLeft(Topology topology) throws Exception {
    open(topology, true);
    // 1,000 permits, 100 more per second: each instance's half refills completely in 10 s, far
    // longer than this outage lasts, so the bound is the one bucket's: C + what it releases.
    long capacity = 1_000;
    long perSecond = 100;
    RateLimit limit = RateLimit.of(Bandwidth.builder().capacity(capacity).refillGreedy(perSecond, SECOND).build());
    List<RedisRateLimiter> instances = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      instances.add(limiter("instance-" + i, limit, RedisDownPolicy.failOpen(0.5), Duration.ofMillis(250))
          .retryInterval(Duration.ofMillis(200)).build());
    }
    LongAdder granted = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long startMicros = redis.timeMicros();
    for (RedisRateLimiter instance : instances) {
      for (int t = 0; t < 2; t++) {
        Thread thread = new Thread(() -> {
          try {
            while (running.get()) {
              if (instance.tryConsume("shared", 1)) {
                granted.increment();
              } else {
                LockSupport.parkNanos(200_000); // refused: a client backs off a little
              }
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        threads.add(thread);
        thread.start();
      }
    }
    await("the bucket drained through Redis", () -> granted.sum() >= capacity);
    long beforeHang = granted.sum();
    redis.freeze();
    try {
      await("both circuits open", () -> instances.stream().allMatch(RedisRateLimiter::circuitOpen));
      await("the shares granted what refilled", () -> granted.sum() - beforeHang >= 60);
    } finally {
      redis.thaw();
    }
    await("both instances back on Redis, their debts sent",
        () -> instances.stream().noneMatch(i -> i.circuitOpen() || i.owedPermits() > 0));
    long afterHang = granted.sum();
    await("Redis grants again", () -> granted.sum() - afterHang >= 50);
    running.set(false);
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(errors).isEmpty();
    // Each instance's last debit went out on its connection before this call: Redis has it now.
    // Then wait out the debt, if the debits made one: the bound holds once it is repaid.
    for (RedisRateLimiter instance : instances) {
      if (instance.tryAcquire("shared").allowed()) {
        granted.increment();
      }
    }
    boolean free = false;
    for (int attempt = 0; attempt < 1_000 && !free; attempt++) {
      free = instances.get(0).tryAcquire("shared").allowed();
      if (!free) {
        Thread.sleep(20); // real time for the refill
      }
    }
    assertThat(free).as("Redis grants again once any debt is repaid").isTrue();
    granted.increment();
    long elapsedMicros = redis.timeMicros() - startMicros;
    long bound = capacity + elapsedMicros * perSecond / 1_000_000 + 1;
    assertThat(granted.sum()).as("granted across the hang; %d ms from first to last call", elapsedMicros / 1_000)
        .isLessThanOrEqualTo(bound);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(10);
    }
  }
}
