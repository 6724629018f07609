package dev.hotpath.ratelimit;

import java.time.Duration;

/**
 * Thrown by a distributed limiter configured to fail closed when its store (Redis) does not answer.
 * A {@link RateLimitExceededException} so callers that back off on refusal also back off here;
 * {@link #retryAfter()} is when the limiter will ask the store again.
 */
public final class RateLimiterUnavailableException extends RateLimitExceededException {

  private static final long serialVersionUID = 1L;

  RateLimiterUnavailableException(String limiterName, long retryAfterNanos, Throwable cause) {
    super(limiterName, retryAfterNanos, "RateLimiter '" + limiterName + "' is unavailable (fail closed), retry after "
        + Duration.ofNanos(retryAfterNanos) + ": " + cause);
    initCause(cause);
  }
}
