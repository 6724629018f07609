package dev.hotpath.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The local share a {@link RedisRateLimiter} failing open answers from while Redis does not, and
 * the permits it granted meanwhile, which Redis is owed.
 *
 * <p>Two rules keep the total within the bound {@link RedisDownPolicy#failOpen} states. A bucket
 * starts empty, so the share grants only what refills while Redis is away: a full one would add
 * its capacity on top of what the Redis bucket still held. And what the share granted is taken
 * from the Redis bucket when Redis answers again ({@link #settle}), because that bucket refilled
 * meanwhile as if nobody had used it; at most the share's capacity per bandwidth, so that a long
 * outage, during which the Redis bucket stopped refilling at its capacity, leaves no debt behind. Settling also starts the buckets afresh, so permits refilled
 * locally between two outages are never spent in the next one. (Housekeeping may drop a bucket
 * that refilled completely; it comes back empty: stricter, never looser.)
 *
 * <p>Thread-safe: a grant and its debt are recorded by the granting thread; a debt recorded while
 * a settlement runs is settled by the next one.
 */
final class FallbackShare {

  private final Function<Limits, LocalRateLimiter> factory;
  private final ConcurrentHashMap<String, Long> owed = new ConcurrentHashMap<>();
  private final ReentrantLock settling = new ReentrantLock();
  /** What to run after the next settlement: the probe's closing of the circuit. */
  private final AtomicReference<Runnable> afterSettling = new AtomicReference<>();
  private volatile Limits limits;
  private volatile LocalRateLimiter local;
  /** Used since the last settlement: a debt to send, or a bucket to start afresh. */
  private volatile boolean used;

  /**
   * @param factory a limiter whose buckets start empty, under the given (scaled) limits
   */
  FallbackShare(Limits scaled, Function<Limits, LocalRateLimiter> factory) {
    this.factory = factory;
    this.limits = scaled;
    this.local = factory.apply(scaled);
  }

  /**
   * As {@link BaseRateLimiter#reserve} on the local share.
   *
   * @param refusedWaitNanos the wait to tell a request larger than the share's capacity, which the
   *     share can never grant: when Redis is asked again
   */
  long reserve(String key, long permits, long maxWaitNanos, NanoClock clock, long refusedWaitNanos) {
    LocalRateLimiter share = local;
    RateLimit limit = share.limits.limitFor(key);
    long result = permits > limit.capacity()
        ? -Math.max(1, refusedWaitNanos)
        : share.reserve(key, limit, permits, maxWaitNanos, clock);
    granted(key, result >= 0 ? permits : 0);
    return result;
  }

  /** As {@link BaseRateLimiter#decide} on the local share; {@code refusedWaitNanos} as in {@link #reserve}. */
  RateLimitDecision decide(String key, long permits, long refusedWaitNanos) {
    LocalRateLimiter share = local;
    RateLimit limit = share.limits.limitFor(key);
    RateLimitDecision decision = permits > limit.capacity()
        ? new RateLimitDecision(false, 0, Math.max(1, refusedWaitNanos), limit.capacity(), 0)
        : share.decide(key, limit, permits);
    granted(key, decision.allowed() ? permits : 0);
    return decision;
  }

  /** Usage reported by the host: it raises the local buckets only (it is no grant of ours). */
  void sync(String key, String bandwidthId, long used) {
    local.syncUsage(key, bandwidthId, used);
    this.used = true;
  }

  private void granted(String key, long permits) {
    if (permits > 0) {
      owed.merge(key, permits, Long::sum);
    }
    used = true; // after the debt: a settlement that missed the debt sees the flag
  }

  synchronized void replace(Limits scaled) {
    limits = scaled;
    local.replace(scaled);
  }

  /** Whether a settlement has work: cheap enough for every answered call. */
  boolean needsSettling() {
    return used;
  }

  /** Sends a key's owed permits to Redis. */
  interface Debit {
    /**
     * Sends without waiting, and gives back with {@link #owe} what could not be sent.
     *
     * @param share the key's limit in the local share: Redis takes at most each bandwidth's
     *     capacity from it
     */
    void send(String key, long permits, RateLimit share, FallbackShare owner);
  }

  /**
   * Starts the local buckets afresh and hands each key's owed permits to {@code debit}, then runs
   * {@code then} (if not null). Runs in one thread at a time and never waits for another: a call
   * while another runs returns at once, and that one, or the next, settles again and runs its
   * {@code then}. So {@code then} runs once every debt recorded before the call has been handed
   * over, possibly in another thread, and the calling thread (a Lettuce thread for an asynchronous
   * call) never blocks here. Only one {@code then} is pending at a time (the probe's).
   */
  void settle(Debit debit, Runnable then) {
    if (then != null) {
      afterSettling.set(then);
    }
    do {
      if (!settling.tryLock()) {
        return;
      }
      try {
        Runnable due = afterSettling.getAndSet(null); // before settling: its debts are all in this round
        try {
          settleOnce(debit);
        } finally {
          if (due != null) {
            due.run();
          }
        }
      } finally {
        settling.unlock();
      }
    } while (afterSettling.get() != null); // set while this one held the lock, by a caller that left
  }

  private void settleOnce(Debit debit) {
    used = false;
    Limits current;
    synchronized (this) {
      current = limits;
      local = factory.apply(current);
    }
    // Taken out first, then sent: a send that fails at once owes its debt again, and a loop over
    // the map itself could meet it again, and again.
    List<Map.Entry<String, Long>> due = new ArrayList<>();
    for (String key : owed.keySet()) {
      Long permits = owed.remove(key);
      if (permits != null) {
        due.add(Map.entry(key, permits));
      }
    }
    for (Map.Entry<String, Long> debt : due) {
      debit.send(debt.getKey(), debt.getValue(), current.limitFor(debt.getKey()), this);
    }
  }

  /** Gives back a debt that could not be sent; the next settlement sends it. */
  void owe(String key, long permits) {
    owed.merge(key, permits, Long::sum);
    used = true;
  }

  /** The permits granted and not yet handed to a settlement. */
  long owedPermits() {
    return owed.values().stream().mapToLong(Long::longValue).sum();
  }
}
