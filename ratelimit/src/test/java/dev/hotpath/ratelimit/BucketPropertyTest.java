package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random limits, random request schedules, a controlled clock. Every decision is compared with an
 * independent model (classic "tokens + last refill" buckets in BigInteger arithmetic), so the
 * limiter neither grants more nor refuses while permits are there, and each refusal's wait is
 * exact. Independently of the model, the permits granted in every interval stay within
 * capacity + ceil(interval × rate) for greedy bandwidths and within capacity per window.
 */
class BucketPropertyTest {

  private static final int TRIALS = 300;
  private static final int REQUESTS = 400;

  @Test
  void decisionsMatchAnIndependentModelAndStayWithinEveryBound() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    for (int trial = 0; trial < TRIALS; trial++) {
      runTrial(new SplittableRandom(random.nextLong()), "seed " + seed + " trial " + trial);
    }
  }

  private static void runTrial(SplittableRandom random, String label) {
    int count = 1 + random.nextInt(3);
    List<Bandwidth> bandwidths = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      bandwidths.add(randomBandwidth(random));
    }
    RateLimit limit = RateLimit.of(bandwidths);
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L + random.nextLong(1_000_000_000_000L));
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("p").limit(limit).clock(clock).build();
    List<Model> models = new ArrayList<>();
    for (Bandwidth b : bandwidths) {
      models.add(Model.of(b, clock.nanos()));
    }
    long maxPeriod = bandwidths.stream().mapToLong(Bandwidth::periodNanos).max().orElseThrow();
    long[] times = new long[REQUESTS];
    long[] granted = new long[REQUESTS];
    for (int r = 0; r < REQUESTS; r++) {
      int step = random.nextInt(10);
      clock.advance(step < 3 ? 0 : step < 9 ? random.nextLong(maxPeriod / 4 + 1) : random.nextLong(3 * maxPeriod + 1));
      long now = clock.nanos();
      long permits = 1 + random.nextLong(limit.capacity());
      RateLimitDecision decision = limiter.tryAcquire("k", permits);

      long wait = 0;
      for (Model m : models) {
        wait = Math.max(wait, m.waitFor(now, permits));
      }
      String where = label + " request " + r + " " + limit + " permits " + permits;
      assertThat(decision.allowed()).as(where).isEqualTo(wait == 0);
      assertThat(decision.nanosToWait()).as(where).isEqualTo(wait);
      if (wait == 0) {
        for (Model m : models) {
          m.take(now, permits);
        }
        granted[r] = permits;
      }
      times[r] = now;
    }
    for (Bandwidth b : bandwidths) {
      assertWithinBound(b, times, granted, label);
    }
  }

  private static Bandwidth randomBandwidth(SplittableRandom random) {
    long capacity = 1 + random.nextLong(20);
    long period = 1 + random.nextLong(random.nextBoolean() ? 1_000 : 1_000_000);
    if (random.nextInt(3) == 0) {
      long window = Math.max(period, capacity);
      return Bandwidth.builder().capacity(capacity).refillWindow(Duration.ofNanos(window))
          .alignmentOffset(Duration.ofNanos(random.nextLong(window))).build();
    }
    long tokens = 1 + random.nextLong(Math.min(period, 3 * capacity));
    if (random.nextBoolean()) {
      period = period * tokens; // a whole number of nanoseconds per permit
    }
    return Bandwidth.builder().capacity(capacity).refillGreedy(tokens, Duration.ofNanos(period)).build();
  }

  /** Bounds that hold for any correct token bucket, checked over every interval of the run. */
  private static void assertWithinBound(Bandwidth b, long[] times, long[] granted, String label) {
    for (int i = 0; i < times.length; i++) {
      long sum = 0;
      for (int j = i; j < times.length; j++) {
        if (b.isClockAligned() && window(b, times[j]) != window(b, times[i])) {
          break;
        }
        sum += granted[j];
        long bound = b.isClockAligned() ? b.capacity()
            : b.capacity() + ceilDiv(BigInteger.valueOf(times[j] - times[i]).multiply(BigInteger.valueOf(b.refillTokens())),
                BigInteger.valueOf(b.periodNanos()));
        assertThat(sum).as(label + " " + b + " granted in [" + i + ", " + j + "]").isLessThanOrEqualTo(bound);
      }
    }
  }

  private static long window(Bandwidth b, long t) {
    return Math.floorDiv(t - b.offsetNanos(), b.periodNanos());
  }

  private static long ceilDiv(BigInteger a, BigInteger b) {
    BigInteger[] qr = a.divideAndRemainder(b);
    return qr[1].signum() > 0 ? qr[0].longValueExact() + 1 : qr[0].longValueExact();
  }

  /** A textbook bucket for one bandwidth. */
  private abstract static class Model {
    static Model of(Bandwidth b, long start) {
      if (b.isClockAligned()) {
        return new WindowModel(b);
      }
      BigInteger g = BigInteger.valueOf(b.refillTokens()).gcd(BigInteger.valueOf(b.periodNanos()));
      return g.longValueExact() == b.refillTokens() ? new CreditModel(b, start) : new GridModel(b, start);
    }

    abstract long waitFor(long now, long permits);

    abstract void take(long now, long permits);
  }

  /** One permit per whole interval: credit in nanoseconds accrues from each request, capped. */
  private static final class CreditModel extends Model {
    private final long interval;
    private final long cap;
    private long credit;
    private long last;

    CreditModel(Bandwidth b, long start) {
      this.interval = b.periodNanos() / b.refillTokens();
      this.cap = b.capacity() * interval;
      this.credit = cap;
      this.last = start;
    }

    private void refill(long now) {
      credit = Math.min(cap, credit + (now - last));
      last = now;
    }

    @Override
    long waitFor(long now, long permits) {
      refill(now);
      return Math.max(0, permits * interval - credit);
    }

    @Override
    void take(long now, long permits) {
      refill(now);
      credit -= permits * interval;
    }
  }

  /** A fractional rate: whole permits released at the instants k × period / tokens of the epoch. */
  private static final class GridModel extends Model {
    private final BigInteger tokens;
    private final BigInteger period;
    private final long capacity;
    private long available;
    private long lastReleased;

    GridModel(Bandwidth b, long start) {
      this.tokens = BigInteger.valueOf(b.refillTokens());
      this.period = BigInteger.valueOf(b.periodNanos());
      this.capacity = b.capacity();
      this.available = capacity;
      this.lastReleased = released(start);
    }

    private long released(long t) {
      return BigInteger.valueOf(t).multiply(tokens).divide(period).longValueExact();
    }

    private void refill(long now) {
      long released = released(now);
      available = Math.min(capacity, available + (released - lastReleased));
      lastReleased = released;
    }

    @Override
    long waitFor(long now, long permits) {
      refill(now);
      if (available >= permits) {
        return 0;
      }
      BigInteger index = BigInteger.valueOf(lastReleased + permits - available);
      return ceilDiv(index.multiply(period), tokens) - now;
    }

    @Override
    void take(long now, long permits) {
      refill(now);
      available -= permits;
    }
  }

  private static final class WindowModel extends Model {
    private final Bandwidth b;
    private long window = Long.MIN_VALUE;
    private long used;

    WindowModel(Bandwidth b) {
      this.b = b;
    }

    private void roll(long now) {
      long w = window(b, now);
      if (w != window) {
        window = w;
        used = 0;
      }
    }

    @Override
    long waitFor(long now, long permits) {
      roll(now);
      return used + permits <= b.capacity() ? 0 : (window + 1) * b.periodNanos() + b.offsetNanos() - now;
    }

    @Override
    void take(long now, long permits) {
      roll(now);
      used += permits;
    }
  }
}
