package dev.hotpath.ratelimit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When a {@link RedisRateLimiter} asks Redis. Closed, every call asks, and calls that got no answer
 * in a row are counted; at the threshold, or at once when the connection is known to be lost, it
 * opens. Open, calls are answered by the down policy without asking, and once the retry interval
 * has passed exactly one call, the probe, asks Redis while the others keep the policy's answer. An
 * answer to the probe closes the circuit; none opens it for another interval. So while Redis is
 * away at most one call per retry interval waits for it.
 *
 * <p>The same shape as the breaker of cache-redis's Redis tier (this module does not depend on
 * that one), except that the probe is a caller's own call rather than a background PING: a PING
 * can be answered by a server that runs no script, and the caller needs the script's answer anyway.
 *
 * <p>Thread-safe. Closed, a call costs one volatile read, and a write only after a failure.
 */
final class RedisBreaker {

  /** What one call does. */
  enum Pass {
    /** The circuit is closed: ask Redis. */
    ASK,
    /** The circuit is open and this call is its probe: ask Redis, then report. */
    PROBE,
    /** The circuit is open: take the down policy's answer without asking. */
    SKIP
  }

  private static final long NO_PROBE = Long.MIN_VALUE;

  private final int threshold;
  private final long retryIntervalNanos;
  private final long probeTimeoutNanos;
  private final AtomicInteger unansweredInARow = new AtomicInteger();
  /**
   * When the probe out now started, or {@link #NO_PROBE}: taken by one compare-and-set, so the
   * probe's start is never read without the probe or the probe without its start.
   */
  private final AtomicLong probeStart = new AtomicLong(NO_PROBE);
  private volatile boolean open;
  /** The instant from which the next probe may ask; meaningful while open. */
  private volatile long retryAt;

  /**
   * @param retryIntervalNanos how long the circuit stays open before a call probes Redis
   * @param probeTimeoutNanos how long a probe waits for Redis's answer at most (the limiter's
   *     timeout): the probe's outcome is known by then
   */
  RedisBreaker(int threshold, long retryIntervalNanos, long probeTimeoutNanos) {
    this.threshold = threshold;
    this.retryIntervalNanos = retryIntervalNanos;
    this.probeTimeoutNanos = probeTimeoutNanos;
  }

  /** The pass of a call starting now; a {@link Pass#PROBE} must be reported back exactly once. */
  Pass pass(NanoClock clock) {
    if (!open) {
      return Pass.ASK;
    }
    long now = clock.nanos();
    if (now < retryAt || !probeStart.compareAndSet(NO_PROBE, now == NO_PROBE ? now + 1 : now)) {
      return Pass.SKIP;
    }
    // A probe that failed just now set the next retry before letting go of the flag: read again,
    // or this call would probe a second time within the interval.
    if (now < retryAt) {
      probeStart.set(NO_PROBE);
      return Pass.SKIP;
    }
    return Pass.PROBE;
  }

  /**
   * Redis answered a call (an error reply too: the server is up). Returns true if this closed the
   * circuit (the call was the probe).
   */
  boolean answered(Pass pass) {
    if (pass == Pass.PROBE) {
      synchronized (this) {
        unansweredInARow.set(0);
        open = false;
        probeStart.set(NO_PROBE);
      }
      return true;
    }
    if (unansweredInARow.get() != 0) {
      unansweredInARow.set(0);
    }
    return false;
  }

  /**
   * Redis did not answer a call (a timeout, a lost connection, a server that cannot serve now).
   * Returns true if this opened the circuit.
   *
   * @param connectionLost whether the connection is known to be down: not a one-off, so no need to
   *     wait for more failures
   */
  boolean unanswered(Pass pass, boolean connectionLost, long now) {
    if (pass == Pass.PROBE) {
      retryAt = now + retryIntervalNanos;
      probeStart.set(NO_PROBE);
      return false;
    }
    if (unansweredInARow.incrementAndGet() >= threshold || connectionLost) {
      synchronized (this) {
        if (!open) {
          retryAt = now + retryIntervalNanos;
          open = true;
          return true;
        }
      }
    }
    return false;
  }

  /** A call gave up before its answer (interrupted): a probe lets the next call probe. */
  void abandoned(Pass pass) {
    if (pass == Pass.PROBE) {
      probeStart.set(NO_PROBE);
    }
  }

  boolean isOpen() {
    return open;
  }

  /**
   * Nanoseconds until a call may probe; 0 when closed or when the next call would. While a probe
   * is out past the retry instant, the next call would not probe but be answered without asking:
   * then the time until that probe's answer is due (its timeout from its start; the whole timeout
   * again when it is overdue), never 0, since a caller told "0" asks again at once and gets the
   * same answer, and the batch engine takes 0 for a failure that no wait can cure.
   */
  long nanosToRetry(long now) {
    if (!open) {
      return 0;
    }
    // The probe before the instant: a failing probe moves the instant before it lets the probe go,
    // so a probe seen gone has its new instant seen too.
    long start = probeStart.get();
    long at = retryAt;
    if (now < at) {
      return at - now;
    }
    if (start == NO_PROBE) {
      return 0;
    }
    long elapsed = now - start;
    return elapsed > 0 && elapsed < probeTimeoutNanos ? probeTimeoutNanos - elapsed : probeTimeoutNanos;
  }
}
