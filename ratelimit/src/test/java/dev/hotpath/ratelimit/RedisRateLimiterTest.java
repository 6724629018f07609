package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Against a real Redis from the shared fixture (embedded here and in CI); never flushes data. */
@ExtendWith(RedisExtension.class)
@Timeout(120)
class RedisRateLimiterTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  private final TestRedis redis;
  private final String prefix;
  private final List<RedisClient> clients = new ArrayList<>();
  private final AtomicLong commandsSent = new AtomicLong();
  private StatefulRedisConnection<String, String> connection;

  RedisRateLimiterTest(TestRedis redis, RedisKeyPrefix prefix) {
    this.redis = redis;
    this.prefix = prefix.value();
  }

  @BeforeEach
  void connect() {
    connection = connect(true);
  }

  private StatefulRedisConnection<String, String> connect(boolean counted) {
    RedisClient client = RedisClient.create(redis.uri());
    if (counted) {
      client.addListener(new CommandListener() {
        @Override
        public void commandStarted(CommandStartedEvent event) {
          commandsSent.incrementAndGet();
        }
      });
    }
    clients.add(client);
    return client.connect();
  }

  @AfterEach
  void close() {
    clients.forEach(RedisClient::shutdown);
  }

  /**
   * A fail-closed limiter with a long timeout: on a loaded machine one call can take longer than the
   * 250 ms default, and the failure would look like a bug. Outage tests set a short one.
   */
  private RedisRateLimiter.Builder limiter(StatefulRedisConnection<String, String> on, RateLimit limit) {
    return limiter(on, limit, Duration.ofSeconds(10));
  }

  private RedisRateLimiter.Builder limiter(StatefulRedisConnection<String, String> on, RateLimit limit, Duration timeout) {
    return RedisRateLimiter.builder().name("redis-test").limit(limit).connection(on).keyPrefix(prefix)
        .downPolicy(RedisDownPolicy.failClosed()).timeout(timeout);
  }

  @Test
  void greedyBucketOverRedisWithOneCommandPerCall() {
    RedisRateLimiter limiter = limiter(connection, RateLimit.of(Bandwidth.perPeriod(10, Duration.ofHours(1)))).build();
    limiter.tryAcquire("warm-up"); // may load the script (NOSCRIPT, then EVAL) on a fresh server
    long before = commandsSent.get();
    for (int i = 0; i < 10; i++) {
      RateLimitDecision d = limiter.tryAcquire("k");
      assertThat(d.allowed()).isTrue();
      assertThat(d.remaining()).isEqualTo(9 - i);
    }
    RateLimitDecision refused = limiter.tryAcquire("k");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.nanosToWait()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(6).toNanos());
    assertThat(refused.limit()).isEqualTo(10);
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    assertThat(commandsSent.get() - before).as("Redis commands for 12 calls").isEqualTo(12);
  }

  @Test
  void handleAndKeyedCallsShareTheKeysRedisBucket() throws Exception {
    RedisRateLimiter limiter = limiter(connection, RateLimit.of(Bandwidth.perPeriod(4, Duration.ofHours(1)))).build();
    KeyLimiter handle = limiter.forKey("k");
    assertThat(handle.key()).isEqualTo("k");
    assertThat(handle.tryConsume(2)).isTrue();
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    handle.acquire(1, Duration.ZERO);
    assertThat(handle.tryAcquire(1).allowed()).isFalse();
    assertThatThrownBy(() -> handle.acquireAsync(1, Duration.ZERO).get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RateLimitExceededException.class);
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    assertThatThrownBy(() -> handle.tryConsume(5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stateIsAVersionedHashUnderAHashTaggedKeyThatExpiresWhenFull() {
    RedisRateLimiter limiter = limiter(connection, RateLimit.of(Bandwidth.perPeriod(10, Duration.ofMinutes(1)))).build();
    limiter.tryAcquire("user:7", 5);
    String key = limiter.redisKey("user:7");
    assertThat(key).isEqualTo("{" + prefix + "user:7}");
    Map<String, String> state = connection.sync().hgetall(key);
    assertThat(state).containsEntry("v", "1").containsEntry("f", "0:10:1:6000000:0").containsKey("1");
    // five permits used of ten per minute, released every 6 s of the epoch: full again in 24..30 s
    // after the acquire, read a moment later (up to a second on a loaded machine)
    assertThat(connection.sync().pttl(key)).isBetween(23_000L, 30_002L);
  }

  @Test
  void allBandwidthsOfAKeyInOneCall() {
    RedisRateLimiter limiter = limiter(connection,
        RateLimit.of(Bandwidth.perPeriod(20, Duration.ofHours(1)), Bandwidth.perWindow(30, Duration.ofDays(1)))).build();
    assertThat(limiter.tryAcquire("k", 20).allowed()).isTrue();
    RateLimitDecision refused = limiter.tryAcquire("k", 1);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.limit()).isEqualTo(20);
  }

  @Test
  void syncUsageAndReplacingTheLimitKeepUsedPermits() {
    Bandwidth weight = Bandwidth.builder().id("1m").capacity(6_000).refillWindow(Duration.ofDays(1)).build();
    RedisRateLimiter limiter = limiter(connection, RateLimit.of(weight)).build();
    assertThat(limiter.tryAcquire("ip", 100).remaining()).isEqualTo(5_900);
    limiter.syncUsage("ip", "1m", 5_000);
    assertThat(limiter.tryAcquire("ip", 1).remaining()).isEqualTo(999);
    limiter.syncUsage("ip", "1m", 10);
    assertThat(limiter.tryAcquire("ip", 1).remaining()).isEqualTo(998);
    limiter.replaceLimit(RateLimit.of(Bandwidth.builder().id("1m").capacity(12_000).refillWindow(Duration.ofDays(1)).build()));
    assertThat(limiter.tryAcquire("ip", 1).remaining()).isEqualTo(6_997);
  }

  @Test
  void blockingAndAsyncAcquireReserveInRedis() throws Exception {
    // Redis decides the slot; the local (manual) clock and the scheduler only wait for it.
    ManualClock clock = new ManualClock(System.currentTimeMillis() * 1_000_000L);
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      RedisRateLimiter limiter = limiter(connection, RateLimit.of(Bandwidth.perPeriod(1, Duration.ofHours(1))))
          .clock(clock).scheduler(scheduler).build();
      limiter.acquire("k", 1, Duration.ZERO);
      assertThatThrownBy(() -> limiter.acquire("k", 1, SECOND)).isInstanceOf(RateLimitExceededException.class)
          .satisfies(e -> assertThat(((RateLimitExceededException) e).retryAfter()).isPositive()
              .isLessThanOrEqualTo(Duration.ofHours(1)));

      Thread waiter = new Thread(() -> {
        try {
          limiter.acquire("k", 1, Duration.ofHours(2));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      waiter.start();
      clock.awaitSleepers(1); // reserved in Redis, parked locally
      clock.advance(Duration.ofHours(1));
      waiter.join();

      CompletableFuture<Void> later = limiter.acquireAsync("k", 1, Duration.ofHours(3));
      RunnableScheduledFuture<?> slot = awaitTask(scheduler);
      assertThat(later).isNotDone();
      assertThat(slot.getDelay(TimeUnit.NANOSECONDS)).isPositive().isLessThanOrEqualTo(Duration.ofHours(2).toNanos());
      scheduler.getQueue().remove(slot);
      slot.run();
      assertThat(later).isCompleted();

      CompletableFuture<Void> refused = limiter.acquireAsync("k", 1, Duration.ZERO);
      assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RateLimitExceededException.class);
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** The async reservation's completion task, once the Redis answer has scheduled it. */
  private static RunnableScheduledFuture<?> awaitTask(ScheduledThreadPoolExecutor scheduler) throws InterruptedException {
    for (int i = 0; i < 1_000; i++) {
      Runnable task = scheduler.getQueue().peek();
      if (task != null) {
        return (RunnableScheduledFuture<?>) task;
      }
      Thread.sleep(5); // waiting for Redis's answer to arrive, not for time to pass
    }
    throw new AssertionError("no task scheduled");
  }

  @Test
  void anInterruptedCallerBeforeAnyFailureIsToldToRetryNowNotInCenturies() throws Exception {
    // Redis runs nothing more from a client blocked in BLPOP, so the limiter's call on this
    // connection is certainly pending when its wait sees the interrupt: no race with the answer.
    StatefulRedisConnection<String, String> held = connect(false);
    held.async().blpop(30, prefix + "never-pushed");
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L); // epoch-scale, as in production
    RateLimit limit = RateLimit.of(Bandwidth.perPeriod(10, SECOND));
    RedisRateLimiter closed = limiter(held, limit).clock(clock).build();
    RedisRateLimiter open = RedisRateLimiter.builder().name("open").limit(limit).connection(held).keyPrefix(prefix)
        .clock(clock).downPolicy(RedisDownPolicy.failOpen(0.5)).build();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> closed.tryAcquire("k")).isInstanceOf(RateLimiterUnavailableException.class)
          .satisfies(e -> assertThat(((RateLimiterUnavailableException) e).retryAfterNanos()).isZero());
      assertThat(Thread.currentThread().isInterrupted()).as("interrupt status kept").isTrue();
      // failing open, more permits than the local share (5) holds are refused, to be asked again soon
      RateLimitDecision refused = open.tryAcquire("k", 8);
      assertThat(refused.allowed()).isFalse();
      assertThat(refused.nanosToWait()).isEqualTo(1);
      assertThatThrownBy(() -> open.acquire("k", 8, SECOND)).isInstanceOf(RateLimitExceededException.class)
          .satisfies(e -> assertThat(((RateLimitExceededException) e).retryAfterNanos()).isEqualTo(1));
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void onTheHostsClientTheLimiterOpensItsOwnConnectionAndClosesOnlyThat() {
    RedisClient host = RedisClient.create(redis.uri());
    clients.add(host);
    StatefulRedisConnection<byte[], byte[]> cache = host.connect(ByteArrayCodec.INSTANCE); // the host's other codec
    RateLimit limit = RateLimit.of(Bandwidth.builder().id("1h").capacity(3).refillGreedy(3, Duration.ofHours(1)).build());
    RedisRateLimiter limiter = RedisRateLimiter.builder().name("redis-test").limit(limit).client(host).keyPrefix(prefix)
        .downPolicy(RedisDownPolicy.failClosed()).timeout(Duration.ofSeconds(10)).build();
    assertThat(limiter.tryConsume("k", 2)).isTrue();
    assertThat(limiter.tryAcquire("k").remaining()).isZero();
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    assertThat(cache.sync().exists(limiter.redisKey("k").getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
    assertThat(limiter.owned.isOpen()).isTrue();

    limiter.close();
    limiter.close(); // idempotent
    assertThat(limiter.owned.isOpen()).isFalse();
    assertThatThrownBy(() -> limiter.tryConsume("k", 1))
        .isInstanceOf(IllegalStateException.class).hasMessage("RateLimiter 'redis-test' is closed");
    assertThatThrownBy(() -> limiter.tryAcquire("k")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> limiter.acquire("k", 1, SECOND)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> limiter.acquireAsync("k", 1, SECOND)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> limiter.syncUsage("k", "1h", 1)).isInstanceOf(IllegalStateException.class);

    // the host's client and its connections are untouched
    assertThat(cache.isOpen()).isTrue();
    assertThat(cache.sync().ping()).isEqualTo("PONG");
    assertThat(host.connect().sync().ping()).isEqualTo("PONG");
    try (RedisRateLimiter again = RedisRateLimiter.builder().name("redis-test").limit(limit).client(host)
        .keyPrefix(prefix).downPolicy(RedisDownPolicy.failClosed()).timeout(Duration.ofSeconds(10)).build()) {
      assertThat(again.tryConsume("k", 1)).as("the limit lives in Redis").isFalse();
      assertThat(again.owned).isNotSameAs(limiter.owned);
    }
  }

  @Test
  void closingALimiterOnTheHostsConnectionLeavesTheConnectionOpen() {
    RedisRateLimiter limiter = limiter(connection, RateLimit.of(Bandwidth.perPeriod(10, SECOND))).build();
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    limiter.close();
    assertThat(limiter.owned).isNull();
    assertThatThrownBy(() -> limiter.tryConsume("k", 1)).isInstanceOf(IllegalStateException.class);
    assertThat(connection.isOpen()).isTrue();
    assertThat(connection.sync().ping()).isEqualTo("PONG");
  }

  @Test
  void buildingOnAClientWhileRedisIsDownNamesTheLimiter() {
    assumeTrue(redis.isRestartable(), "needs an embedded Redis: an external server is not ours to stop");
    RedisClient host = RedisClient.create(redis.uri());
    clients.add(host);
    RedisRateLimiter.Builder builder = RedisRateLimiter.builder().name("redis-test").client(host)
        .limit(RateLimit.of(Bandwidth.perPeriod(10, SECOND))).downPolicy(RedisDownPolicy.failOpen(0.5));
    redis.stop();
    try {
      assertThatThrownBy(builder::build).isExactlyInstanceOf(RateLimiterUnavailableException.class)
          .hasMessageStartingWith("RateLimiter 'redis-test' is unavailable: its connection to Redis could not be opened")
          .hasMessageContaining("Connection refused") // the innermost cause, not only "Unable to connect"
          .hasCauseInstanceOf(RedisConnectionException.class)
          .satisfies(e -> assertThat(((RateLimitException) e).limiterName()).isEqualTo("redis-test"));
    } finally {
      redis.start();
    }
    try (RedisRateLimiter limiter = builder.build()) { // the builder is reusable; Redis is back
      assertThat(limiter.tryConsume("k", 1)).isTrue();
    }
  }

  /**
   * A login the server refuses is said plainly, not as Lettuce's "Unable to connect", and the
   * password is not shown. The user does not exist on the shared server, so the server refuses the
   * login with WRONGPASS whatever password is given, and nothing on it changes.
   *
   * <p>Once in CI (one run of many, not reproduced here in 550 tries, with and without restarts
   * and load) the server closed the connection before answering the login; the limiter said so
   * ("Connection closed prematurely"), which is right for that event but is not the event under
   * test. Such an attempt is made again, at most twice; every other outcome is asserted as is.
   */
  @Test
  void buildingWithAWrongPasswordSaysTheServerRefusedTheLogin() {
    String password = "wrong-" + System.nanoTime();
    RedisURI uri = redis.uri();
    RedisClient wrong = RedisClient.create(RedisURI.builder(uri)
        .withAuthentication("hp-nobody-" + ProcessHandle.current().pid(), password.toCharArray()).build());
    clients.add(wrong);
    RedisRateLimiter.Builder builder = RedisRateLimiter.builder().name("redis-test").client(wrong)
        .limit(RateLimit.of(Bandwidth.perPeriod(10, SECOND))).downPolicy(RedisDownPolicy.failClosed());
    Throwable answered = null;
    for (int attempt = 0; attempt < 3 && answered == null; attempt++) {
      Throwable failure = catchThrowable(builder::build);
      assertThat(failure).as("a build with a wrong password").isNotNull();
      if (!String.valueOf(failure.getMessage()).endsWith("Connection closed prematurely)")) {
        answered = failure;
      }
    }
    assertThat(answered).as("the server answered the login in one of three attempts").isNotNull()
        .isExactlyInstanceOf(RateLimiterUnavailableException.class)
        .hasMessageStartingWith("RateLimiter 'redis-test' is unavailable: its connection to Redis could not be opened:"
            + " the server refused the login: wrong password or user (WRONGPASS")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(password).doesNotContain("Unable to connect"));
  }

  @Test
  void aClientWithoutAUriIsAConfigurationErrorAndABadLimitOpensNoConnection() {
    RedisClient noUri = RedisClient.create();
    clients.add(noUri);
    assertThatThrownBy(() -> RedisRateLimiter.builder().name("x").limit(RateLimit.of(Bandwidth.perPeriod(1, SECOND)))
        .client(noUri).downPolicy(RedisDownPolicy.failClosed()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("RedisURI");
    // refused before connecting: the client without a URI would fail otherwise
    assertThatThrownBy(() -> RedisRateLimiter.builder().name("x").limit(RateLimit.of(Bandwidth.perPeriod(2_000_000, SECOND)))
        .client(noUri).downPolicy(RedisDownPolicy.failClosed()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one permit per microsecond");
    assertThatThrownBy(() -> RedisRateLimiter.builder().name("x").limit(RateLimit.of(Bandwidth.perPeriod(1, SECOND)))
        .downPolicy(RedisDownPolicy.failClosed()).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("connection or client is not set");
  }

  @Test
  void limitsThatRedisCannotComputeExactlyAreRefusedAtBuild() {
    assertThatThrownBy(() -> limiter(connection, RateLimit.of(Bandwidth.perPeriod(2_000_000, SECOND))).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one permit per microsecond");
    assertThatThrownBy(() -> RedisRateLimiter.builder().name("x").limit(RateLimit.of(Bandwidth.perPeriod(1, SECOND)))
        .connection(connection).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("downPolicy is not set");
  }
}
