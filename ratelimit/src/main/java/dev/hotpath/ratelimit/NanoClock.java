package dev.hotpath.ratelimit;

import java.util.concurrent.locks.LockSupport;

/**
 * The time source of a limiter: nanoseconds since the Unix epoch, never decreasing.
 *
 * <p>Epoch-based so that clock-aligned bandwidths (an exchange's per-minute window) line up with
 * wall-clock boundaries; monotonic so that greedy refill never runs backwards when NTP steps the
 * wall clock. Tests inject a manual clock and never sleep. Implementations must be thread-safe.
 */
public interface NanoClock {

  /** Nanoseconds since 1970-01-01T00:00Z; never less than an earlier result. */
  long nanos();

  /**
   * Blocks until {@link #nanos()} reaches {@code deadlineNanos}. Returns at once when it already has.
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  default void sleepUntil(long deadlineNanos) throws InterruptedException {
    for (long left = deadlineNanos - nanos(); left > 0; left = deadlineNanos - nanos()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /**
   * The system clock: {@link System#nanoTime()} anchored to the wall clock, and re-anchored every
   * second by a bounded slew: when the wall clock moves away from it (NTP settling after the JVM
   * started, a suspended or migrated host), it runs at most 5 % fast or slow until it agrees again,
   * so it never goes backwards and intervals stay within 5 % of real ones. Clock-aligned windows
   * follow the wall clock once the slew has converged, after 20 times the difference. Shared by
   * every limiter that uses the default; thread-safe.
   */
  static NanoClock system() {
    return SystemClock.INSTANCE;
  }
}
