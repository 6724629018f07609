package dev.hotpath.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Token-bucket rate limiting per key. Each key has its own bucket(s) under the limiter's
 * {@link RateLimit} (or, with {@link TenantPlans}, the limit of the plan of the tenant named by the
 * key). Implementations are thread-safe.
 *
 * <p>Common rules: keys are not null and at most {@link #MAX_KEY_BYTES} bytes in UTF-8 (else
 * {@link IllegalArgumentException}, before any bucket or Redis sees the key); {@code permits} is
 * positive and at most the limit's {@link RateLimit#capacity()} (else {@link
 * IllegalArgumentException}, since such a request could never succeed); {@code maxWait} is not
 * negative. Times are nanoseconds.
 *
 * <p>A request that is not granted is told apart from one that cannot be decided: over the limit
 * is a refusal ({@code false}, a refused {@link RateLimitDecision}, or
 * {@link RateLimitExceededException}); a distributed limiter that fails closed while its store
 * does not answer throws {@link RateLimiterUnavailableException} from every method that asks the
 * store. Both extend {@link RateLimitException}, neither the other.
 */
public interface RateLimiter extends MeterBinder {

  /**
   * The longest key, in UTF-8 bytes, any limiter takes: 1 KiB. A key names a tenant, an account, an
   * IP or an endpoint; a longer one is a caller's bug, and every key costs a bucket in memory or
   * in Redis, so an unbounded one would let a caller fill either.
   */
  int MAX_KEY_BYTES = 1024;

  /** The limiter's name, found in every exception and metric tag. */
  String name();

  /**
   * Registers the limiter's meters in {@code registry}; the only way to get them. Until the first
   * call the limiter counts nothing (its hot path pays no metrics cost); from then on it counts
   * once for every registry it is bound to, which may be several. Binding to the same registry
   * again changes nothing. Meters, tagged {@code name=<limiter name>} and never with the key
   * (unbounded cardinality, and possibly an account):
   *
   * <ul>
   *   <li>{@code hotpath.ratelimiter.calls{name, result=permitted|rejected|unavailable}}
   *       (function counters): requests for permits ({@code tryAcquire}, {@code tryConsume},
   *       {@code acquire}, {@code acquireAsync}) by outcome; {@code unavailable} is a
   *       {@link RateLimiterUnavailableException}. Calls refused for bad arguments are not counted.
   *   <li>{@code hotpath.ratelimiter.wait{name}} (function timer): granted reservations that had to
   *       wait, and how long.
   *   <li>{@code hotpath.ratelimiter.buckets{name}} (gauge, {@link LocalRateLimiter}): keys that
   *       have a bucket.
   *   <li>{@code hotpath.ratelimiter.backend.failures{name}} (function counter,
   *       {@link RedisRateLimiter}): Redis calls that failed or timed out and were answered by the
   *       down policy.
   * </ul>
   *
   * <p>Meters are identified by name and tags, so bind one limiter of a given name per registry:
   * Micrometer keeps the first meter of an identity, and a second limiter of the same name is not
   * counted there (it logs a warning). Once per registry: binding this limiter to a registry it is
   * bound to already registers nothing; binding it to another registry registers there too. The
   * meters hold the limiter weakly. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  void bindTo(MeterRegistry registry);

  /**
   * A handle on {@code key}'s bucket, for a caller that limits the same key again and again: its
   * calls do what this limiter's keyed calls do for the key, share the key's one bucket with them
   * and with every other handle on it, and are counted in the same meters. Creating a handle takes
   * no permits and creates no bucket; holding one keeps no state alive (idle buckets still expire).
   *
   * @return a new handle, never null; thread-safe
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}
   */
  KeyLimiter forKey(String key);

  /**
   * Takes {@code permits} from {@code key}'s bucket if they are available now; never waits.
   *
   * @return the decision, never null; a refusal is a decision, not an exception
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}, or permits is not
   *     positive or exceeds the capacity
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   */
  RateLimitDecision tryAcquire(String key, long permits);

  /** {@code tryAcquire(key, 1)}. */
  default RateLimitDecision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Like {@link #tryAcquire(String, long)} but answers only yes or no; the local limiter does this
   * without allocating.
   *
   * @return true when the permits were taken, false when the limit is used up
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}, or permits is not
   *     positive or exceeds the capacity
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   */
  boolean tryConsume(String key, long permits);

  /**
   * Takes {@code permits}, waiting for them up to {@code maxWait}. The permits are reserved at
   * once (FIFO: earlier callers get earlier slots) and the thread parks until its slot; if the
   * slot is further away than {@code maxWait} the call fails at once, without waiting and without
   * taking anything. An interrupted waiter keeps its reservation used.
   *
   * @throws NullPointerException if key or maxWait is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}, permits is not
   *     positive or exceeds the capacity, or maxWait is negative
   * @throws RateLimitExceededException if the wait would exceed maxWait
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   * @throws InterruptedException if interrupted while waiting
   */
  void acquire(String key, long permits, Duration maxWait) throws InterruptedException;

  /**
   * Asynchronous {@link #acquire}: the future completes when the reserved slot arrives, from the
   * limiter's scheduler; no thread is parked. It completes exceptionally with
   * {@link RateLimitExceededException} at once when maxWait cannot be met, and with
   * {@link RateLimiterUnavailableException} when a distributed limiter cannot decide and fails
   * closed. Argument errors are thrown, not put in the future.
   *
   * @throws NullPointerException if key or maxWait is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}, permits is not
   *     positive or exceeds the capacity, or maxWait is negative
   */
  CompletableFuture<Void> acquireAsync(String key, long permits, Duration maxWait);

  /**
   * Aligns {@code key}'s bandwidth {@code bandwidthId} with a count reported by the server being
   * protected (for example Binance's {@code X-MBX-USED-WEIGHT-1M}): afterwards at least
   * {@code used} permits (at most the capacity) count as used. Never makes more permits available.
   *
   * @throws NullPointerException if key or bandwidthId is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}, used is negative or
   *     the key's limit has no such bandwidth
   * @throws RateLimiterUnavailableException if a distributed limiter cannot reach its store and
   *     fails closed
   */
  void syncUsage(String key, String bandwidthId, long used);

  /**
   * Replaces the limit of every key. Buckets move to it on their next use, keeping the permits
   * they have used (up to the new capacity).
   *
   * @throws NullPointerException if limit is null
   * @throws IllegalArgumentException if this limiter cannot enforce the limit exactly (see
   *     {@link RedisRateLimiter}); the old limit stays
   */
  void replaceLimit(RateLimit limit);

  /**
   * Replaces the tenant plans; buckets move as with {@link #replaceLimit}.
   *
   * @throws NullPointerException if plans is null
   * @throws IllegalArgumentException if this limiter cannot enforce one of the plans' limits
   *     exactly; the old plans stay
   */
  void replacePlans(TenantPlans plans);
}
