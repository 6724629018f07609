package dev.hotpath.ratelimit;

import java.time.Duration;

/**
 * The limit is used up: the permits cannot be had within the allowed wait (thrown by
 * {@link RateLimiter#acquire}, or completing the future of {@link RateLimiter#acquireAsync}).
 * Carries the limiter's name and the wait after which the same request could succeed. An outage
 * of a distributed limiter is not this but a {@link RateLimiterUnavailableException}.
 */
public final class RateLimitExceededException extends RateLimitException {

  private static final long serialVersionUID = 1L;

  private final long retryAfterNanos;

  RateLimitExceededException(String limiterName, long retryAfterNanos, String message) {
    super(limiterName, message, null);
    this.retryAfterNanos = retryAfterNanos;
  }

  static RateLimitExceededException waitTooLong(String limiterName, long permits, long waitNanos, long maxWaitNanos) {
    return new RateLimitExceededException(limiterName, waitNanos, "RateLimiter '" + limiterName + "' cannot grant "
        + permits + " permit(s) within " + Duration.ofNanos(maxWaitNanos) + ": needs " + Duration.ofNanos(waitNanos));
  }

  /** Nanoseconds, rounded up, until the same request could succeed. */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** {@link #retryAfterNanos()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }
}
