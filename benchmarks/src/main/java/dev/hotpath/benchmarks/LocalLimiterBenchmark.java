package dev.hotpath.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.KeyLimiter;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One key, in-process: Hotpath's local limiter beside Bucket4j, Resilience4j's AtomicRateLimiter
 * and Guava, and beside {@code atomicGcra}, the smallest correct exact limiter (GCRA as one
 * compare-and-set loop on one {@code AtomicLong}): the floor for any exact shared limiter, so the
 * distance to it is what Hotpath's own machinery costs. Every contender gets the same limit, a
 * billion permits per second with a burst of as many, set high so that every call succeeds and the
 * cost measured is the acquire itself.
 *
 * <p>{@code hotpath} names the key per call (a map lookup and the key's limit per call);
 * {@code hotpathBucket} calls a {@link KeyLimiter} the caller holds, as the peers' callers hold their
 * single-bucket objects.
 *
 * <p>Run at 1, 2 and 4 threads: {@code java -jar benchmarks.jar LocalLimiterBenchmark -f 2 -t 1}
 * (then {@code -t 2}, {@code -t 4}). Goals (issue 15): {@code hotpath} and {@code hotpathBucket} ≥ 0.85 × {@code atomicGcra}
 * at 1, 2 and 4 threads, and the fastest of the peers (Bucket4j, Resilience4j, Guava) at 1 and 2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalLimiterBenchmark {

  private static final long PER_SECOND = 1_000_000_000L;

  private LocalRateLimiter hotpath;
  private KeyLimiter hotpathBucket;
  private Bucket bucket4j;
  private AtomicRateLimiter resilience4j;
  private RateLimiter guava;
  private AtomicGcra atomicGcra;
  private String key;

  @Setup
  public void setUp() {
    key = "account-42";
    hotpath = LocalRateLimiter.builder().name("bench")
        .limit(RateLimit.of(Bandwidth.perPeriod(PER_SECOND, Duration.ofSeconds(1)))).build();
    hotpathBucket = hotpath.forKey(key);
    bucket4j = Bucket.builder()
        .addLimit(io.github.bucket4j.Bandwidth.builder().capacity(PER_SECOND).refillGreedy(PER_SECOND, Duration.ofSeconds(1)).build())
        .build();
    resilience4j = new AtomicRateLimiter("bench", RateLimiterConfig.custom()
        .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
    guava = RateLimiter.create(PER_SECOND);
    atomicGcra = new AtomicGcra(PER_SECOND, Duration.ofSeconds(1), PER_SECOND);
    if (!atomicGcra.tryAcquire()) {
      throw new IllegalStateException("atomicGcra refused the first permit of a full burst");
    }
  }

  @Benchmark
  public boolean hotpath() {
    return hotpath.tryConsume(key, 1);
  }

  /** The same limiter through a handle on the key, held as the peers' buckets are held. */
  @Benchmark
  public boolean hotpathBucket() {
    return hotpathBucket.tryConsume(1);
  }

  @Benchmark
  public boolean bucket4j() {
    return bucket4j.tryConsume(1);
  }

  @Benchmark
  public boolean resilience4j() {
    return resilience4j.acquirePermission();
  }

  @Benchmark
  public boolean guava() {
    return guava.tryAcquire();
  }

  @Benchmark
  public boolean atomicGcra() {
    return atomicGcra.tryAcquire();
  }

  /**
   * The generic cell rate algorithm on one {@code AtomicLong}: the state is the theoretical arrival
   * time (TAT) of the next permit, in {@link System#nanoTime()} nanos. A permit is granted when the
   * TAT is no further ahead of now than the burst tolerance; granting moves the TAT one emission
   * interval past {@code max(TAT, now)}. One clock read and one successful compare-and-set per
   * permit, no allocation: nothing exact can do less.
   */
  static final class AtomicGcra {
    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong theoreticalArrival;

    /**
     * @param permits permits per {@code period}; the period must be a whole number of nanos per permit
     * @param burst the most permits granted at once, at least 1
     */
    AtomicGcra(long permits, Duration period, long burst) {
      if (permits <= 0 || burst <= 0 || period.toNanos() % permits != 0) {
        throw new IllegalArgumentException(
            "need a whole number of nanos per permit and a positive burst but got " + permits + " per " + period
                + ", burst " + burst);
      }
      this.intervalNanos = period.toNanos() / permits;
      this.toleranceNanos = Math.multiplyExact(burst - 1, intervalNanos);
      // A TAT of now: the whole burst is available at start, as in the other contenders' buckets.
      this.theoreticalArrival = new AtomicLong(System.nanoTime());
    }

    boolean tryAcquire() {
      long now = System.nanoTime();
      while (true) {
        long tat = theoreticalArrival.get();
        long start = tat - now > 0 ? tat : now; // max(TAT, now), safe across nanoTime wrap-around
        if (start - now > toleranceNanos) {
          return false;
        }
        if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
          return true;
        }
      }
    }
  }
}
