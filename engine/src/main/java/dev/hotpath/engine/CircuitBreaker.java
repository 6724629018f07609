package dev.hotpath.engine;

import java.time.Duration;

/**
 * When the engine stops calling a failing source. Immutable; the engine keeps one breaker per
 * source with this configuration.
 *
 * <ul>
 *   <li>{@link State#CLOSED}: calls go through; {@code failureThreshold} failed calls in a row
 *       open it. A failed call is one whose failure {@link Source#isRetryable} calls retryable
 *       (errors, timeouts), after its retries; refusals (429/418), missing keys and bad requests
 *       are not failures of the source's health (a bad request resets the count: the source
 *       answered).
 *   <li>{@link State#OPEN}: calls are not made; their keys fail at once with {@link
 *       FailureKind#CIRCUIT_OPEN}. After {@code openDuration} the next call is a probe.
 *   <li>{@link State#HALF_OPEN}: one probe call is in flight, other calls fail fast. Its success
 *       closes the breaker, its failure opens it for another {@code openDuration}.
 * </ul>
 *
 * <p>Time is read from the engine's clock ({@link BatchEngine.Builder#clock}), so tests move it
 * instead of sleeping.
 */
public final class CircuitBreaker {

  /** The state of a breaker; see {@link CircuitBreaker}. */
  public enum State {
    /** Calls go through. */
    CLOSED,
    /** Calls fail fast. */
    OPEN,
    /** One probe call decides. */
    HALF_OPEN
  }

  private final int failureThreshold;
  private final long openNanos;

  private CircuitBreaker(int failureThreshold, long openNanos) {
    this.failureThreshold = failureThreshold;
    this.openNanos = openNanos;
  }

  /**
   * Opens after {@code failureThreshold} failed calls in a row, for {@code openDuration}.
   *
   * @throws IllegalArgumentException if failureThreshold or openDuration is not positive
   * @throws NullPointerException if openDuration is null
   */
  public static CircuitBreaker of(int failureThreshold, Duration openDuration) {
    Checks.positive("failureThreshold", failureThreshold);
    return new CircuitBreaker(failureThreshold, Checks.positiveNanos("openDuration", openDuration));
  }

  /** A breaker that never opens. */
  public static CircuitBreaker disabled() {
    return new CircuitBreaker(0, 0);
  }

  /** Whether the breaker can open. */
  public boolean isEnabled() {
    return failureThreshold > 0;
  }

  /** Failed calls in a row that open the breaker; 0 when disabled. */
  public int failureThreshold() {
    return failureThreshold;
  }

  /** How long the breaker stays open before a probe; zero when disabled. */
  public Duration openDuration() {
    return Duration.ofNanos(openNanos);
  }

  long openNanos() {
    return openNanos;
  }

  @Override
  public String toString() {
    return isEnabled() ? "CircuitBreaker.of(" + failureThreshold + ", " + openDuration() + ")" : "CircuitBreaker.disabled()";
  }
}
