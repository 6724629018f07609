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
        + " down policy fails closed; " + whenAskedAgain(retryAfterNanos) + " (" + cause + ")", cause);
  }

  /** 1 ns says "at once" to a caller that must not take 0 for a refusal: no duration is shown for it. */
  private static String whenAskedAgain(long retryAfterNanos) {
    return retryAfterNanos > 1 ? "Redis is asked again in " + Duration.ofNanos(retryAfterNanos) : "the next call asks Redis again";
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
   * asking). While Redis is away it is at least 1: a call the limiter answered without asking
   * (its circuit open) while another call asks Redis whether it is back gets the time until that
   * call's answer is due (at most the limiter's timeout), after which the circuit may be closed or
   * open for another retry interval; a call that timed out without opening the circuit gets 1
   * (the next call asks). 0 when the call itself failed without Redis being away while its
   * circuit is closed (an error reply, such as a script error, which asking again does not cure;
   * an interrupted wait), and when the connection could not be opened at build.
   */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** {@link #retryAfterNanos()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }
}
