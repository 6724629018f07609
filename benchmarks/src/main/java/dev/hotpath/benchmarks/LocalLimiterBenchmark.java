package dev.hotpath.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One key, in-process: Hotpath's local limiter beside Bucket4j, Resilience4j's AtomicRateLimiter
 * and Guava, in one run. Limits are set high (a billion permits per second) so every call succeeds
 * and the cost measured is the acquire itself. Run at 1 and 2 threads:
 * {@code java -jar benchmarks.jar LocalLimiterBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -t 1} (then
 * {@code -t 2}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalLimiterBenchmark {

  private static final long PER_SECOND = 1_000_000_000L;

  private LocalRateLimiter hotpath;
  private Bucket bucket4j;
  private AtomicRateLimiter resilience4j;
  private RateLimiter guava;
  private String key;

  @Setup
  public void setUp() {
    key = "account-42";
    hotpath = LocalRateLimiter.builder().name("bench")
        .limit(RateLimit.of(Bandwidth.perPeriod(PER_SECOND, Duration.ofSeconds(1)))).build();
    bucket4j = Bucket.builder()
        .addLimit(io.github.bucket4j.Bandwidth.builder().capacity(PER_SECOND).refillGreedy(PER_SECOND, Duration.ofSeconds(1)).build())
        .build();
    resilience4j = new AtomicRateLimiter("bench", RateLimiterConfig.custom()
        .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
    guava = RateLimiter.create(PER_SECOND);
  }

  @Benchmark
  public boolean hotpath() {
    return hotpath.tryConsume(key, 1);
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
}
