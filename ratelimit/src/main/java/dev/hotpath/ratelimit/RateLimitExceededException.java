package dev.hotpath.ratelimit;

import java.time.Duration;

/**
 * Thrown (or completing a future) when permits cannot be had within the allowed wait. Carries the
 * limiter's name and the wait after which the same request could succeed. Never names the key,
 * which may be an account or API key.
 */
public class RateLimitExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String limiterName;
  private final long retryAfterNanos;

  RateLimitExceededException(String limiterName, long retryAfterNanos, String message) {
    super(message);
    this.limiterName = limiterName;
    this.retryAfterNanos = retryAfterNanos;
  }

  static RateLimitExceededException waitTooLong(String limiterName, long permits, long waitNanos, long maxWaitNanos) {
    return new RateLimitExceededException(limiterName, waitNanos, "RateLimiter '" + limiterName + "' cannot grant "
        + permits + " permit(s) within " + Duration.ofNanos(maxWaitNanos) + ": needs " + Duration.ofNanos(waitNanos));
  }

  /** The name of the limiter that refused. */
  public String limiterName() {
    return limiterName;
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
