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
   * instances share the limit), so the total stays near the limit while Redis is away.
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
