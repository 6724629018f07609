package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * HTTP header values from a {@link RateLimitDecision}: {@code Retry-After} (RFC 9110, whole
 * seconds) and the IETF draft {@code RateLimit-Limit}, {@code RateLimit-Remaining},
 * {@code RateLimit-Reset} (seconds). Seconds are rounded up, so a client that obeys never comes
 * back too early. Stateless and thread-safe.
 */
public final class RateLimitHeaders {

  public static final String RETRY_AFTER = "Retry-After";
  public static final String LIMIT = "RateLimit-Limit";
  public static final String REMAINING = "RateLimit-Remaining";
  public static final String RESET = "RateLimit-Reset";

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private RateLimitHeaders() {
  }

  /** Seconds until the request could succeed, rounded up; "0" when it was allowed. */
  public static String retryAfter(RateLimitDecision decision) {
    return Long.toString(seconds(requireNonNull(decision, "decision").nanosToWait()));
  }

  /** Seconds, rounded up, for a refusal carried by an exception. */
  public static String retryAfter(RateLimitExceededException refusal) {
    return Long.toString(seconds(requireNonNull(refusal, "refusal").retryAfterNanos()));
  }

  public static String limit(RateLimitDecision decision) {
    return Long.toString(requireNonNull(decision, "decision").limit());
  }

  public static String remaining(RateLimitDecision decision) {
    return Long.toString(requireNonNull(decision, "decision").remaining());
  }

  /** Seconds until the tightest bandwidth is full again, rounded up. */
  public static String reset(RateLimitDecision decision) {
    return Long.toString(seconds(requireNonNull(decision, "decision").nanosToReset()));
  }

  /** The RateLimit-* headers, plus Retry-After when the request was refused; in that order. */
  public static Map<String, String> of(RateLimitDecision decision) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(LIMIT, limit(decision));
    headers.put(REMAINING, remaining(decision));
    headers.put(RESET, reset(decision));
    if (!decision.allowed()) {
      headers.put(RETRY_AFTER, retryAfter(decision));
    }
    return headers;
  }

  private static long seconds(long nanos) {
    return nanos <= 0 ? 0 : (nanos - 1) / NANOS_PER_SECOND + 1;
  }
}
