package dev.hotpath.engine;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a failed source call is tried again: exponential backoff with jitter, within the batch's
 * deadline. A call is retried when {@link Source#isRetryable} says its failure may pass, attempts
 * are left, and the backoff ends before the latest deadline of the batches waiting for it;
 * otherwise its keys fail with {@link FailureKind#SOURCE_ERROR} at once. Refusals (HTTP 429/418)
 * are not retries: the source is paused for its {@code Retry-After} (every call to it waits, as for
 * any refusal; at least 100 ms, doubling with each refusal of the same call up to 10 s, so that a
 * {@code Retry-After: 0} does not make a loop) and the call uses up no attempt, nor lengthens the
 * next backoff (it still counts in {@link BatchResult#sourceCalls()}). A
 * {@link Source#fetch} that completes with null instead of a reply is a source error like any
 * other. Immutable.
 *
 * <p>The n-th retry waits a random time between half and all of {@code min(maxBackoff,
 * firstBackoff × 2^(n-1))} ("equal jitter"), so callers that failed together do not return
 * together.
 */
public final class Retry {
  private static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  private final int maxAttempts;
  private final long firstBackoffNanos;
  private final long maxBackoffNanos;

  private Retry(int maxAttempts, long firstBackoffNanos, long maxBackoffNanos) {
    this.maxAttempts = maxAttempts;
    this.firstBackoffNanos = firstBackoffNanos;
    this.maxBackoffNanos = maxBackoffNanos;
  }

  /** No retries: one attempt per call. */
  public static Retry none() {
    return new Retry(1, 0, 0);
  }

  /**
   * At most {@code maxAttempts} attempts per call (the first and {@code maxAttempts - 1}
   * retries), backing off from {@code firstBackoff}, doubling, up to 10 seconds (or {@code
   * firstBackoff} when that is longer).
   *
   * @throws IllegalArgumentException if maxAttempts is not positive or firstBackoff is not positive
   * @throws NullPointerException if firstBackoff is null
   */
  public static Retry exponential(int maxAttempts, Duration firstBackoff) {
    java.util.Objects.requireNonNull(firstBackoff, "firstBackoff");
    return exponential(maxAttempts, firstBackoff,
        DEFAULT_MAX_BACKOFF.compareTo(firstBackoff) < 0 ? firstBackoff : DEFAULT_MAX_BACKOFF);
  }

  /**
   * As {@link #exponential(int, Duration)}, with the longest backoff given.
   *
   * @throws IllegalArgumentException if maxAttempts or a duration is not positive, or maxBackoff is
   *     shorter than firstBackoff
   * @throws NullPointerException if a duration is null
   */
  public static Retry exponential(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
    Checks.positive("maxAttempts", maxAttempts);
    long first = Checks.positiveNanos("firstBackoff", firstBackoff);
    long max = Checks.positiveNanos("maxBackoff", maxBackoff);
    if (max < first) {
      throw new IllegalArgumentException("maxBackoff must not be shorter than firstBackoff (" + firstBackoff + "): " + maxBackoff);
    }
    return new Retry(maxAttempts, first, max);
  }

  /** Attempts per call, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff before the first retry, before jitter. */
  public Duration firstBackoff() {
    return Duration.ofNanos(firstBackoffNanos);
  }

  /** The longest backoff, before jitter. */
  public Duration maxBackoff() {
    return Duration.ofNanos(maxBackoffNanos);
  }

  /** The wait before retry number {@code retry} (1 for the first), jittered. */
  long backoffNanos(int retry) {
    long base = firstBackoffNanos;
    for (int i = 1; i < retry && base < maxBackoffNanos; i++) {
      base = base > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : base * 2;
    }
    base = Math.min(base, maxBackoffNanos);
    long half = base / 2;
    return half + (base - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(base - half + 1));
  }

  @Override
  public String toString() {
    return maxAttempts == 1 ? "Retry.none()"
        : "Retry.exponential(" + maxAttempts + ", " + firstBackoff() + ", " + maxBackoff() + ")";
  }
}
