package dev.hotpath.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One key of a {@link RateLimiter}, held by the caller: {@link RateLimiter#forKey} checks the key
 * once, and each call here then does what the limiter's keyed method of the same name does for that
 * key (same bucket, same meters, same exceptions), without naming the key again. For a caller that
 * limits the same key over and over (one exchange account, one upstream), as Bucket4j's users hold
 * a {@code Bucket}.
 *
 * <p>A handle shares its key's state with the limiter: keyed calls and any number of handles on the
 * same key draw from one bucket, so together they never get more than one bucket's permits. A
 * {@link RateLimiter#replaceLimit} or {@link RateLimiter#replacePlans} reaches a handle on its next
 * call, as it reaches keyed calls. How much a handle saves depends on the backend: see
 * {@link LocalRateLimiter#forKey} and {@link RedisRateLimiter#forKey}.
 *
 * <p>{@code permits} is positive and at most the key's limit's {@link RateLimit#capacity()} (else
 * {@link IllegalArgumentException}); {@code maxWait} is not null and not negative. Times are
 * nanoseconds. Thread-safe: one handle may be shared by any number of threads.
 */
public interface KeyLimiter {

  /** The key this handle limits; never null. */
  String key();

  /**
   * {@link RateLimiter#tryAcquire(String, long)} on this key: takes the permits if they are
   * available now, never waits.
   *
   * @return the decision, never null; a refusal is a decision, not an exception
   * @throws IllegalArgumentException if permits is not positive or exceeds the capacity
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   */
  RateLimitDecision tryAcquire(long permits);

  /**
   * {@link RateLimiter#tryConsume(String, long)} on this key: yes or no, never waits; the local
   * limiter answers without allocating.
   *
   * @return true when the permits were taken, false when the limit is used up
   * @throws IllegalArgumentException if permits is not positive or exceeds the capacity
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   */
  boolean tryConsume(long permits);

  /**
   * {@link RateLimiter#acquire(String, long, Duration)} on this key: reserves the permits at once
   * (FIFO) and parks until their slot, or fails at once if the slot is further than maxWait.
   *
   * @throws NullPointerException if maxWait is null
   * @throws IllegalArgumentException if permits is not positive or exceeds the capacity, or
   *     maxWait is negative
   * @throws RateLimitExceededException if the wait would exceed maxWait
   * @throws RateLimiterUnavailableException if a distributed limiter cannot decide and fails closed
   * @throws InterruptedException if interrupted while waiting (the reservation stays used)
   */
  void acquire(long permits, Duration maxWait) throws InterruptedException;

  /**
   * {@link RateLimiter#acquireAsync(String, long, Duration)} on this key: the future completes when
   * the reserved slot arrives, or exceptionally as described there. Argument errors are thrown.
   *
   * @throws NullPointerException if maxWait is null
   * @throws IllegalArgumentException if permits is not positive or exceeds the capacity, or
   *     maxWait is negative
   */
  CompletableFuture<Void> acquireAsync(long permits, Duration maxWait);
}
