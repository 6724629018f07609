package dev.hotpath.ratelimit;

import java.time.Instant;
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
   * The system clock: {@link System#nanoTime()} anchored once to the wall clock, so it is monotonic
   * and epoch-aligned to within the wall clock's accuracy at start.
   */
  static NanoClock system() {
    return SystemClock.INSTANCE;
  }
}

/** The default {@link NanoClock}. */
enum SystemClock implements NanoClock {
  INSTANCE;

  private final long epochOffset;

  SystemClock() {
    Instant now = Instant.now();
    long nano = System.nanoTime();
    epochOffset = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano()) - nano;
  }

  @Override
  public long nanos() {
    return epochOffset + System.nanoTime();
  }
}
