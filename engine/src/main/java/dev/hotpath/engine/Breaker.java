package dev.hotpath.engine;

/**
 * The running state of a {@link CircuitBreaker}. Guarded by the engine's lock; time is the
 * engine's clock, read by the caller.
 */
final class Breaker {

  enum Permit { ALLOW, PROBE, REJECT }

  private final CircuitBreaker config;
  private CircuitBreaker.State state = CircuitBreaker.State.CLOSED;
  private int failuresInARow;
  private long openUntil;
  private boolean probing;

  Breaker(CircuitBreaker config) {
    this.config = config;
  }

  Permit tryAcquire(long now) {
    switch (state) {
      case CLOSED:
        return Permit.ALLOW;
      case OPEN:
        if (now - openUntil < 0) {
          return Permit.REJECT;
        }
        state = CircuitBreaker.State.HALF_OPEN;
        probing = true;
        return Permit.PROBE;
      default:
        if (probing) {
          return Permit.REJECT;
        }
        probing = true;
        return Permit.PROBE;
    }
  }

  /** A call answered (values or missing keys: the source is healthy). */
  void onSuccess(boolean probe) {
    if (probe || state == CircuitBreaker.State.CLOSED) {
      state = CircuitBreaker.State.CLOSED;
      failuresInARow = 0;
      probing = false;
    }
  }

  /** A call failed for good (after its retries, or a failure that is not retried). */
  void onFailure(boolean probe, long now) {
    if (!config.isEnabled()) {
      return;
    }
    if (probe) {
      open(now);
    } else if (state == CircuitBreaker.State.CLOSED && ++failuresInARow >= config.failureThreshold()) {
      open(now);
    }
  }

  /** A probe that neither succeeded nor failed (refused, or never sent): the next call probes. */
  void release(boolean probe) {
    if (probe) {
      probing = false;
    }
  }

  private void open(long now) {
    state = CircuitBreaker.State.OPEN;
    openUntil = now + config.openNanos();
    probing = false;
    failuresInARow = 0;
  }

  CircuitBreaker.State state(long now) {
    return state == CircuitBreaker.State.OPEN && now - openUntil >= 0 ? CircuitBreaker.State.HALF_OPEN : state;
  }
}
