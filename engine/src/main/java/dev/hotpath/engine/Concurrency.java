package dev.hotpath.engine;

/**
 * How many source calls the engine runs at once (its bulkhead): a fixed number, or a limit that
 * adapts between two bounds (AIMD). Immutable.
 *
 * <p>The adaptive limit starts at its minimum. A healthy reply while at least half the limit is in
 * use adds one; a refusal (HTTP 429/418) or a call timeout halves it, a reply more than twice as
 * slow as the recent average takes a tenth off; it never leaves {@code [min, max]}. One congestion
 * event lowers it once: replies to calls that were sent before the last decrease do not lower it
 * again.
 *
 * <p>A call holds its slot while it waits for the rate limiter's permits and while it is in
 * flight; a call abandoned after its timeout gives the slot back.
 */
public final class Concurrency {
  private final int min;
  private final int max;
  private final boolean adaptive;

  private Concurrency(int min, int max, boolean adaptive) {
    this.min = min;
    this.max = max;
    this.adaptive = adaptive;
  }

  /**
   * Exactly {@code limit} calls at once.
   *
   * @throws IllegalArgumentException if limit is not positive
   */
  public static Concurrency fixed(int limit) {
    Checks.positive("limit", limit);
    return new Concurrency(limit, limit, false);
  }

  /**
   * A limit that adapts between {@code min} and {@code max} (see the class comment).
   *
   * @throws IllegalArgumentException if min is not positive or max is less than min
   */
  public static Concurrency adaptive(int min, int max) {
    Checks.positive("min", min);
    if (max < min) {
      throw new IllegalArgumentException("max must be at least min (" + min + "): " + max);
    }
    return new Concurrency(min, max, true);
  }

  /** The lowest limit (the only one, when fixed). */
  public int min() {
    return min;
  }

  /** The highest limit (the only one, when fixed). */
  public int max() {
    return max;
  }

  /** Whether the limit adapts. */
  public boolean isAdaptive() {
    return adaptive;
  }

  @Override
  public String toString() {
    return adaptive ? "Concurrency.adaptive(" + min + ", " + max + ")" : "Concurrency.fixed(" + max + ")";
  }
}
