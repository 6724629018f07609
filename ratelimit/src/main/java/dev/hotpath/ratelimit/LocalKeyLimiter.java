package dev.hotpath.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@link LocalRateLimiter#forKey}'s handle: remembers the key's bucket and the limits it was looked
 * up under, and looks again only when the bucket is retired ({@link LocalBucket#GONE}), the
 * limits were replaced, or the host's assignment function (asked on each call when it decides the
 * key's plan) names another plan. It never holds a bucket of its own: what it remembers is the map's bucket,
 * and a bucket leaves the map only by being retired, so handle and keyed calls share one state.
 */
final class LocalKeyLimiter implements KeyLimiter {

  /**
   * The bucket and what it was looked up under, swapped whole so that a reader never pairs a
   * bucket with limits it was not looked up under (a live bucket under stale limits would then
   * never be looked up again).
   */
  private static final class Binding {
    final Limits limits;
    final LocalBucket bucket;
    /** {@code bucket.limit.capacity()}, one load nearer. */
    final long capacity;
    /**
     * Whether the key's plan comes from the host's assignment function, asked on every call as
     * the keyed calls ask it: a plan it changes moves the key without replacing the limits.
     */
    final boolean resolvedPerCall;

    Binding(Limits limits, LocalBucket bucket, boolean resolvedPerCall) {
      this.limits = limits;
      this.bucket = bucket;
      this.capacity = bucket == null ? 0 : bucket.limit.capacity();
      this.resolvedPerCall = resolvedPerCall;
    }
  }

  /** Before the first call: no limits are identical to it, so the first call looks the key up. */
  private static final Binding UNBOUND = new Binding(null, null, false);

  private final LocalRateLimiter limiter;
  private final String key;
  private volatile Binding binding = UNBOUND;

  LocalKeyLimiter(LocalRateLimiter limiter, String key) {
    this.limiter = limiter;
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public boolean tryConsume(long permits) {
    Recorder r = limiter.recorder; // before the reservation, as in the keyed tryConsume
    return BaseRateLimiter.consumed(r, reserve(permits, 0, limiter.clock));
  }

  @Override
  public RateLimitDecision tryAcquire(long permits) {
    Recorder r = limiter.recorder;
    for (;;) {
      LocalBucket bucket = current(permits);
      long result = bucket.reserve(permits, 0, limiter.clock);
      if (result != LocalBucket.GONE) {
        return BaseRateLimiter.recorded(r, bucket.describe(result, limiter.clock.nanos()));
      }
      lookUp();
      Thread.onSpinWait();
    }
  }

  @Override
  public void acquire(long permits, Duration maxWait) throws InterruptedException {
    long max = BaseRateLimiter.maxWaitNanos(maxWait);
    BaseRateLimiter.Stamp reservedAt = new BaseRateLimiter.Stamp(limiter.clock);
    limiter.waitOut(reservedAt, reserve(permits, max, reservedAt), permits, max);
  }

  @Override
  public CompletableFuture<Void> acquireAsync(long permits, Duration maxWait) {
    long max = BaseRateLimiter.maxWaitNanos(maxWait);
    return limiter.slotAfter(CompletableFuture.completedFuture(reserve(permits, max, limiter.clock)), permits, max);
  }

  /** As {@link BaseRateLimiter#reserve}, on the key's live bucket. */
  private long reserve(long permits, long maxWaitNanos, NanoClock clock) {
    for (;;) {
      long result = current(permits).reserve(permits, maxWaitNanos, clock);
      if (result != LocalBucket.GONE) {
        return result;
      }
      // Retired by housekeeping, or moved to a new limit: the map has (or will have, within the
      // compute that is retiring it) the key's live bucket.
      lookUp();
      Thread.onSpinWait();
    }
  }

  /** The remembered bucket, looked up again if the limits changed; checks permits against its limit. */
  private LocalBucket current(long permits) {
    Binding b = binding;
    if (b.limits != limiter.limits || (b.resolvedPerCall && b.limits.limitFor(key) != b.bucket.limit)) {
      b = lookUp();
    }
    if (permits <= 0 || permits > b.capacity) {
      throw limiter.badPermits(permits, b.bucket.limit);
    }
    return b.bucket;
  }

  private Binding lookUp() {
    Limits limits = limiter.limits;
    Binding b = new Binding(limits, limiter.bucket(key, limits.limitFor(key)), limits.resolvedPerCall(key));
    binding = b;
    return b;
  }

  @Override
  public String toString() {
    return limiter.name() + "[" + key + "]";
  }
}
