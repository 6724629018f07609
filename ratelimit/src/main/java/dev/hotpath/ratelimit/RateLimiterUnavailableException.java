package dev.hotpath.ratelimit;

import java.time.Duration;

/**
 * The limiter cannot decide: a {@link RedisRateLimiter} whose {@link RedisDownPolicy} fails closed
 * did not get Redis's decision (an error reply, a timeout, no connection, or an interrupt while
 * waiting). The {@linkplain #getCause() cause} is that failure. Also thrown by
 * {@link RedisRateLimiter.Builder#build()} when the limiter cannot open its connection. Not a
 * {@link RateLimitExceededException}: nothing is known about the limit, so a host that answers
 * refusals with HTTP 429 should answer this differently (503, say).
 */
public final class RateLimiterUnavailableException extends RateLimitException {

  private static final long serialVersionUID = 1L;

  private final long retryAfterNanos;

  RateLimiterUnavailableException(String limiterName, long retryAfterNanos, Throwable cause) {
    this(limiterName, retryAfterNanos, "RateLimiter '" + limiterName + "' is unavailable: Redis did not decide and the"
        + " down policy fails closed; Redis is asked again in " + Duration.ofNanos(retryAfterNanos) + " (" + cause + ")",
        cause);
  }

  private RateLimiterUnavailableException(String limiterName, long retryAfterNanos, String message, Throwable cause) {
    super(limiterName, message, cause);
    this.retryAfterNanos = retryAfterNanos;
  }

  /**
   * {@link RedisRateLimiter.Builder#build()} could not open the limiter's connection; a refused
   * login is said plainly (see {@link RedisRefusal}). {@code cause} is Lettuce's exception.
   */
  static RateLimiterUnavailableException cannotConnect(String limiterName, Throwable cause) {
    String refusal = RedisRefusal.describe(cause);
    return new RateLimiterUnavailableException(limiterName, 0, "RateLimiter '" + limiterName
        + "' is unavailable: its connection to Redis could not be opened"
        + (refusal != null ? ": " + refusal : " (" + RedisRefusal.rootMessage(cause) + ")"), cause);
  }

  /**
   * Nanoseconds until the limiter asks Redis again (until then every call fails at once without
   * asking); 0 when the next call asks. A call answered while another one asks Redis whether it
   * is back is told to come back once that call has its answer (at most the limiter's timeout).
   */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** {@link #retryAfterNanos()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }
}
