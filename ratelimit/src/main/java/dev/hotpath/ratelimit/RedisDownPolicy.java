package dev.hotpath.ratelimit;

/**
 * What a {@link RedisRateLimiter} does while Redis does not answer (error, timeout, no connection).
 * There is no default: the host chooses. Immutable and thread-safe.
 */
public final class RedisDownPolicy {

  private final double localShare;

  private RedisDownPolicy(double localShare) {
    this.localShare = localShare;
  }

  /**
   * Decide nothing: while Redis does not answer, calls throw
   * {@link RateLimiterUnavailableException} (never {@link RateLimitExceededException}: nothing is
   * known about the limit).
   */
  public static RedisDownPolicy failClosed() {
    return new RedisDownPolicy(0);
  }

  /**
   * Answer from a local limiter holding {@code share} of the limit (for example 0.25 when four
   * instances share the limit) while Redis does not answer.
   *
   * <p>The local buckets start empty, so the share grants only what its bandwidths release while
   * Redis is away ({@code share} of the rate, or of each window). When Redis answers again, what
   * the share granted is taken from the Redis bucket, which refilled meanwhile as if nobody had
   * used it: into debt if the bucket is short, but at most the share's capacity per bandwidth
   * (more would outlast the outage, since the Redis bucket stopped refilling at its capacity).
   *
   * <p>The bound, per key and bandwidth, with {@code C} its capacity and {@code R(T)} the permits it
   * releases in a time {@code T} (rate × T for greedy refill, C per window boundary for a window):
   * when the shares of the instances sharing the limit add up to at most 1, and Redis is away for
   * all of them for less than {@code C / rate} (one window), the permits all of them grant over
   * any interval {@code I} that ends once every instance's debit has reached Redis and been repaid
   * are at most {@code C + R(I)}: the bound of one bucket that Redis never left. A longer outage
   * adds, per instance, at most {@code share × R(retryInterval + timeout) + 1}: what its share
   * grants after Redis is back and before its probe finds it, and rounding. The debt is at most
   * {@code C}, repaid within {@code C / rate}. The bound needs {@code share × C} and
   * {@code share ×} the refill amount to be at least 1 (smaller values are raised to 1). While
   * some instances still reach Redis and others do not (a partition), the former keep the whole
   * limit, so the total exceeds the bound by what the others' shares grant, up to their debits.
   *
   * @throws IllegalArgumentException if share is not in (0, 1]
   */
  public static RedisDownPolicy failOpen(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1]: " + share);
    }
    return new RedisDownPolicy(share);
  }

  /** True when the policy answers from a local limiter. */
  public boolean failsOpen() {
    return localShare > 0;
  }

  /** The share of the limit held locally while failing open; 0 when failing closed. */
  public double localShare() {
    return localShare;
  }

  @Override
  public String toString() {
    return failsOpen() ? "failOpen(" + localShare + ")" : "failClosed";
  }
}
