package dev.hotpath.engine;

/**
 * A time until which something waits, on the engine's clock (nanos); only ever moved later while
 * it lasts. Guarded by the engine's lock.
 */
final class Pause {
  private boolean active;
  private long until;

  /** Makes the pause last at least until {@code until}. */
  void extendTo(long until) {
    if (!active || until - this.until > 0) {
      active = true;
      this.until = until;
    }
  }

  /** Nanos left at {@code now}; 0 when over (and it is then forgotten). */
  long remaining(long now) {
    if (active && now - until < 0) {
      return until - now;
    }
    active = false;
    return 0;
  }

  /** Whether it lasts until {@code deadline} or later; false when over at {@code now}. */
  boolean outlasts(long deadline, long now) {
    return remaining(now) > 0 && until - deadline >= 0;
  }
}
