package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** Many threads on one key; the invariants are checked on totals, never on timing. */
class ConcurrencyStressTest {

  private static final int THREADS = 8;
  private static final int CALLS = 50_000;

  /** Runs {@code body} on THREADS threads started together; returns the permits granted. */
  private static long hammer(ThrowingBody body) throws InterruptedException {
    LongAdder granted = new LongAdder();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < CALLS; i++) {
            granted.add(body.call());
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(errors).isEmpty();
    return granted.sum();
  }

  interface ThrowingBody {
    long call() throws Exception;
  }

  @Test
  void frozenClockGrantsExactlyTheCapacityAcrossThreads() throws InterruptedException {
    ManualClock clock = new ManualClock(1_000_000_000_000L);
    for (RateLimit limit : List.of(
        RateLimit.of(Bandwidth.perPeriod(10_000, Duration.ofSeconds(1))),
        RateLimit.of(Bandwidth.builder().capacity(10_000).refillGreedy(7, Duration.ofSeconds(1)).build()),
        RateLimit.of(Bandwidth.perPeriod(20_000, Duration.ofSeconds(1)), Bandwidth.perWindow(10_000, Duration.ofMinutes(1))))) {
      LocalRateLimiter limiter = LocalRateLimiter.builder().name("s").limit(limit).clock(clock).build();
      long granted = hammer(() -> limiter.tryConsume("one", 1) ? 1 : 0);
      assertThat(granted).as(limit.toString()).isEqualTo(10_000);
    }
  }

  @Test
  void weightedRequestsNeverOvershootTheCapacity() throws InterruptedException {
    ManualClock clock = new ManualClock(1_000_000_000_000L);
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("s").clock(clock)
        .limit(RateLimit.of(Bandwidth.perPeriod(100_000, Duration.ofSeconds(1)))).build();
    long granted = hammer(() -> {
      long permits = 1 + ThreadLocalRandom.current().nextInt(10);
      return limiter.tryConsume("one", permits) ? permits : 0;
    });
    assertThat(granted).isBetween(100_000L - 9, 100_000L);
  }

  @Test
  void movingClockKeepsTheTotalWithinCapacityPlusRefill() throws InterruptedException {
    AtomicLong time = new AtomicLong(5_000_000_000_000L);
    long start = time.get();
    NanoClock ticking = () -> time.addAndGet(ThreadLocalRandom.current().nextInt(50));
    long capacity = 1_000;
    long perSecond = 50_000_000; // one permit per 20 ns of clock
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("s").clock(ticking)
        .limit(RateLimit.of(Bandwidth.builder().capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)).build()))
        .build();
    long granted = hammer(() -> limiter.tryConsume("one", 1) ? 1 : 0);
    long elapsed = time.get() - start;
    long bound = capacity + Rule.ceilDiv(elapsed * (perSecond / 1_000_000), 1_000);
    assertThat(granted).isLessThanOrEqualTo(bound);
    assertThat(granted).isGreaterThan(capacity); // refill really happened during the run
  }

  /**
   * The system clock, a rate the threads outrun: every call on one key, through both the boolean
   * and the decision API. Grants never exceed the burst plus what refilled between a reading taken
   * before the first call and one after the last, and the meters count every call exactly once.
   */
  @Test
  void onTheSystemClockGrantsStayWithinTheBoundAndTheMetersCountEveryCall() throws InterruptedException {
    long capacity = 1_000;
    long perSecond = 100_000; // one permit per 10 µs: granting all 400,000 calls would take 4 s
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("s")
        .limit(RateLimit.of(Bandwidth.builder().capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)).build()))
        .build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    NanoClock clock = NanoClock.system(); // the limiter's: readings never go back, across threads too

    long start = clock.nanos();
    long granted = hammer(() -> {
      boolean allowed = ThreadLocalRandom.current().nextBoolean()
          ? limiter.tryConsume("one", 1)
          : limiter.tryAcquire("one", 1).allowed();
      return allowed ? 1 : 0;
    });
    long elapsed = clock.nanos() - start;

    assertThat(granted).isLessThanOrEqualTo(capacity + Rule.ceilDiv(elapsed, 1_000_000_000L / perSecond));
    assertThat(granted).as("at least the burst, since some calls were refused").isGreaterThanOrEqualTo(capacity);
    long calls = (long) THREADS * CALLS;
    assertThat(granted).as("the rate was outrun").isLessThan(calls);
    assertThat(calls(registry, "permitted")).isEqualTo(granted);
    assertThat(calls(registry, "rejected")).isEqualTo(calls - granted);
  }

  /**
   * Handles (one shared, one per thread) and keyed calls on one key, through tryConsume, tryAcquire
   * and acquire, while housekeeping retires the bucket and the limit is replaced under them. The
   * clock stands still within a round and moves by one full refill between rounds, so each round
   * may grant exactly the capacity, however the bucket was looked up, retired or moved: a handle
   * holding a bucket of its own would be granted more. Every other round the bucket is retired
   * between rounds (so every handle must find its bucket retired), and within every round a
   * housekeeping thread races the callers.
   */
  @Test
  void handlesKeyedCallsAndHousekeepingShareOneBucket() throws Exception {
    int rounds = 500;
    int callsPerRound = 100;
    long capacity = 50;
    ManualClock clock = new ManualClock(1_000_000_000_000L);
    RateLimit first = RateLimit.of(Bandwidth.perPeriod(capacity, Duration.ofMillis(1)));
    RateLimit second = RateLimit.of(Bandwidth.perPeriod(capacity, Duration.ofMillis(1))); // equal, not the same
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("s").limit(first).clock(clock).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    KeyLimiter shared = limiter.forKey("one");
    AtomicLong retiredBetweenRounds = new AtomicLong();
    AtomicLong roundsEnded = new AtomicLong();
    java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(THREADS + 1, () -> {
      long round = roundsEnded.incrementAndGet();
      clock.advance(Duration.ofMillis(1)); // full again
      if (round % 2 == 0) {
        retiredBetweenRounds.addAndGet(limiter.retireFull());
      }
      if (round % 3 == 0) {
        limiter.replaceLimit(round % 2 == 0 ? first : second);
      }
    });
    LongAdder granted = new LongAdder();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      threads.add(new Thread(() -> {
        KeyLimiter own = limiter.forKey("one");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
          for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < callsPerRound; i++) {
              KeyLimiter handle = random.nextBoolean() ? shared : own;
              boolean allowed = switch (random.nextInt(5)) {
                case 0 -> limiter.tryConsume("one", 1);
                case 1 -> limiter.tryAcquire("one", 1).allowed();
                case 2 -> handle.tryAcquire(1).allowed();
                case 3 -> acquired(handle);
                default -> handle.tryConsume(1);
              };
              if (allowed) {
                granted.increment();
              }
            }
            barrier.await(60, java.util.concurrent.TimeUnit.SECONDS);
          }
        } catch (Throwable e) {
          errors.add(e);
          barrier.reset();
        }
      }));
    }
    Thread housekeeping = new Thread(() -> {
      try {
        for (int round = 0; round < rounds; round++) {
          limiter.cleanUp(); // races the round's first calls: retires the bucket only if none came yet
          Thread.yield();
          limiter.cleanUp();
          barrier.await(60, java.util.concurrent.TimeUnit.SECONDS);
        }
      } catch (Throwable e) {
        errors.add(e);
        barrier.reset();
      }
    });
    threads.add(housekeeping);
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }

    assertThat(errors).isEmpty();
    assertThat(granted.sum()).as("the capacity per round, no more, no less").isEqualTo(capacity * rounds);
    assertThat(retiredBetweenRounds.get()).as("each even round's bucket was retired").isEqualTo(rounds / 2);
    long calls = (long) THREADS * rounds * callsPerRound;
    assertThat(calls(registry, "permitted")).isEqualTo(granted.sum());
    assertThat(calls(registry, "rejected")).isEqualTo(calls - granted.sum());
  }

  private static boolean acquired(KeyLimiter handle) throws InterruptedException {
    try {
      handle.acquire(1, Duration.ZERO); // the clock stands still within a round: never sleeps
      return true;
    } catch (RateLimitExceededException e) {
      return false;
    }
  }

  private static long calls(SimpleMeterRegistry registry, String result) {
    return (long) registry.get("hotpath.ratelimiter.calls").tag("name", "s").tag("result", result).functionCounter().count();
  }

  @Test
  void concurrentReservationsNeverOverbookTheFuture() throws InterruptedException {
    // With a frozen clock, reservations within maxWait may take at most
    // capacity + maxWait × rate permits, whatever the interleaving.
    NanoClock frozen = new NanoClock() {
      @Override
      public long nanos() {
        return 1_000_000_000_000L;
      }

      @Override
      public void sleepUntil(long deadline) {
        // the slot is reserved; what this test counts is reservations, not sleeping
      }
    };
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("s").clock(frozen)
        .limit(RateLimit.of(Bandwidth.perPeriod(100, Duration.ofMillis(1)))).build();
    long granted = hammer(() -> {
      try {
        limiter.acquire("one", 1, Duration.ofMillis(10));
        return 1;
      } catch (RateLimitExceededException e) {
        return 0;
      }
    });
    assertThat(granted).isEqualTo(100 + 10 * 100);
  }
}
