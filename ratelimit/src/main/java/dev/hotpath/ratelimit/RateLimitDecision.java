package dev.hotpath.ratelimit;

import java.time.Duration;

/**
 * The answer to {@link RateLimiter#tryAcquire}: whether the permits were granted, and what an HTTP
 * response needs to say about it (see {@link RateLimitHeaders}). Immutable and thread-safe.
 *
 * <p>With several bandwidths, {@link #remaining()}, {@link #limit()} and {@link #nanosToReset()}
 * describe the bandwidth with the fewest permits left, and {@link #nanosToWait()} is the wait for
 * all of them.
 */
public final class RateLimitDecision {

  private final boolean allowed;
  private final long remaining;
  private final long nanosToWait;
  private final long limit;
  private final long nanosToReset;

  RateLimitDecision(boolean allowed, long remaining, long nanosToWait, long limit, long nanosToReset) {
    this.allowed = allowed;
    this.remaining = Math.max(0, remaining);
    this.nanosToWait = nanosToWait;
    this.limit = limit;
    this.nanosToReset = nanosToReset;
  }

  /** True when the permits were taken. */
  public boolean allowed() {
    return allowed;
  }

  /** Permits left right after this call, never negative. */
  public long remaining() {
    return remaining;
  }

  /**
   * Nanoseconds, rounded up, until the same request could succeed; 0 when allowed. For a
   * distributed limiter the resolution is the server clock's (microseconds).
   */
  public long nanosToWait() {
    return nanosToWait;
  }

  /** {@link #nanosToWait()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofNanos(nanosToWait);
  }

  /** Capacity of the bandwidth described by {@link #remaining()}. */
  public long limit() {
    return limit;
  }

  /** Nanoseconds until that bandwidth is full again (its quota "resets"). */
  public long nanosToReset() {
    return nanosToReset;
  }

  @Override
  public String toString() {
    return (allowed ? "allowed" : "rejected") + "[remaining=" + remaining + ", limit=" + limit
        + ", wait=" + retryAfter() + ", reset=" + Duration.ofNanos(nanosToReset) + "]";
  }
}
