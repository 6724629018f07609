package dev.hotpath.ratelimit;

/**
 * Why a {@link RateLimiter} did not grant a request, as one of two answers a host treats
 * differently:
 *
 * <ul>
 *   <li>{@link RateLimitExceededException}: the limit is used up; the same request can succeed
 *       after {@link RateLimitExceededException#retryAfter()} (HTTP 429).
 *   <li>{@link RateLimiterUnavailableException}: the limiter cannot decide, because its store
 *       (Redis) does not answer and the host chose to fail closed; nothing is known about the
 *       limit (HTTP 503, or the host's own fallback).
 * </ul>
 *
 * <p>Neither is a subtype of the other, so {@code catch (RateLimitExceededException e)} never
 * mistakes an outage for a refusal; catch this type to handle both alike. Each carries the name of
 * the limiter and never the key, which may be an account or API key.
 */
public abstract sealed class RateLimitException extends RuntimeException
    permits RateLimitExceededException, RateLimiterUnavailableException {

  private static final long serialVersionUID = 1L;

  private final String limiterName;

  RateLimitException(String limiterName, String message, Throwable cause) {
    super(message, cause);
    this.limiterName = limiterName;
  }

  /** The name of the limiter that did not grant the request. */
  public String limiterName() {
    return limiterName;
  }
}
