package dev.hotpath.ratelimit;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The default {@link NanoClock}: a monotonic source ({@link System#nanoTime()}) mapped onto the
 * epoch by a line that is re-anchored to the wall clock every second ({@link #CHECK_EVERY_NANOS})
 * of monotonic time.
 *
 * <p>Anchored once, the clock would keep whatever error the wall clock had at that moment for the
 * life of the JVM: a JVM started before NTP settled, or a host suspended (the monotonic clock stops,
 * the wall clock does not) or migrated, would shift every clock-aligned window for good. Stepping
 * to the wall clock instead would go backwards, and run greedy refill backwards with it. So a
 * re-anchor slews: the new line starts where the old one is at the hand-over instant, runs at most
 * 1/{@link #SLEW_DIVISOR} fast or slow until it has made up the difference it measured, then at the
 * monotonic rate again. Readings never decrease, and an interval read on this clock is within
 * 1/{@code SLEW_DIVISOR} of its monotonic length.
 *
 * <p>Reads are lock-free: one volatile read of the anchor, one of the monotonic source, one of the
 * anchor's hand-over bound. The reader that finds the anchor due (once a second) re-anchors; while
 * it publishes the new line, a reader past the hand-over bound gets the reading at the bound, so
 * the clock stands still for that moment rather than guess which line applies. Thread-safe.
 */
final class SystemClock implements NanoClock {

  /** How often the wall clock is compared, in monotonic nanoseconds. */
  static final long CHECK_EVERY_NANOS = 1_000_000_000L;

  static final SystemClock INSTANCE = new SystemClock(System::nanoTime, SystemClock::wallNanos, CHECK_EVERY_NANOS);

  /** The slew: while correcting, the clock gains or loses at most 1 ns in this many. */
  static final long SLEW_DIVISOR = 20;
  /** How far ahead of the re-anchoring reader the new line starts. */
  static final long HANDOVER_NANOS = 1_000_000L;
  /** Larger differences are corrected only this far (about 3.6 years) so the arithmetic cannot overflow. */
  private static final long MAX_CORRECTION_NANOS = Long.MAX_VALUE / (4 * SLEW_DIVISOR);

  private final LongSupplier monotonic;
  private final LongSupplier wall;
  private final long checkEveryNanos;
  private final AtomicBoolean anchoring = new AtomicBoolean();
  private volatile Anchor anchor;

  /**
   * @param monotonic nanoseconds from an arbitrary origin, never decreasing ({@link System#nanoTime()})
   * @param wall nanoseconds since the epoch, free to jump either way
   * @param checkEveryNanos how often to compare with the wall clock, in monotonic nanoseconds
   */
  SystemClock(LongSupplier monotonic, LongSupplier wall, long checkEveryNanos) {
    this.monotonic = monotonic;
    this.wall = wall;
    this.checkEveryNanos = checkEveryNanos;
    long now = monotonic.getAsLong();
    Line line = new Line(now, wall.getAsLong(), 0, 0);
    this.anchor = new Anchor(line, now, line, now + checkEveryNanos);
  }

  private static long wallNanos() {
    Instant now = Instant.now();
    return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
  }

  @Override
  public long nanos() {
    Anchor a = anchor;
    long now = monotonic.getAsLong();
    // Every limiter call reads this clock, and nearly every reading falls where the line is a plain
    // offset of the monotonic clock: one add. No hand-over bound can be set below nextCheck (a
    // reader at or past nextCheck sets it, later still), so this reading need not look at it.
    if (now >= a.steadyFrom && now < a.nextCheck) {
      return now + a.steadyOffset;
    }
    return nanos(a, now);
  }

  /** {@link #nanos()} off the fast path: while slewing, at a check or a hand-over. */
  private long nanos(Anchor first, long firstReading) {
    Anchor a = first;
    long now = firstReading;
    for (;; a = anchor, now = monotonic.getAsLong()) {
      if (now >= a.handOverBy) {
        // The next anchor is being made. A reading held at the bound could lie below one that
        // another reader took past the bound before it was set (the re-anchoring thread can be
        // preempted between reading the clock and setting the bound): wait for the next anchor,
        // which starts after every such reading, or for the bound to be lifted if making it failed.
        Thread.onSpinWait();
        continue;
      }
      if (now >= a.nextCheck) {
        reanchor(a); // sets a bound later than now: this reading stays on a's line
      }
      return a.at(now);
    }
  }

  /** Replaces {@code current} by a line slewing toward the wall clock; one thread at a time. */
  private void reanchor(Anchor current) {
    if (!anchoring.compareAndSet(false, true)) {
      return;
    }
    try {
      if (anchor != current) {
        return;
      }
      long bound = monotonic.getAsLong() + HANDOVER_NANOS;
      current.handOverBy = bound;
      // Every reader that saw no bound read the monotonic clock before the next line, so its
      // reading lies on the old line, which the new anchor keeps up to its start.
      long start = Math.max(bound, monotonic.getAsLong());
      long from = current.at(start);
      long wallNow = wall.getAsLong();
      long monotonicNow = monotonic.getAsLong();
      long error = wallNow + (start - monotonicNow) - from;
      error = Math.max(-MAX_CORRECTION_NANOS, Math.min(MAX_CORRECTION_NANOS, error));
      Line line = new Line(start, from, Math.abs(error) * SLEW_DIVISOR, Long.signum(error));
      anchor = new Anchor(current.line, start, line, start + checkEveryNanos);
    } catch (Throwable t) {
      // No reader returned a value held at the bound (they wait), so lifting it keeps the old
      // line, unbroken; left set, every reader would wait forever.
      if (anchor == current) {
        current.handOverBy = Long.MAX_VALUE;
      }
      throw t;
    } finally {
      anchoring.set(false);
    }
  }

  /**
   * Epoch nanoseconds as a function of monotonic ones: {@code epoch} at {@code origin}, then the
   * monotonic rate plus {@code direction} (-1, 0 or 1) times 1/{@link #SLEW_DIVISOR} for
   * {@code slewNanos}. Non-decreasing: the correction grows by at most 1 when the input does.
   */
  private record Line(long origin, long epoch, long slewNanos, long direction) {
    long at(long monotonic) {
      long elapsed = monotonic - origin;
      return epoch + elapsed + direction * (Math.min(elapsed, slewNanos) / SLEW_DIVISOR);
    }

    /** What {@link #at} adds to a monotonic reading once the slew is over ({@code slewNanos} after origin). */
    long steadyOffset() {
      // Wraps where epoch - origin does; the sum with a reading wraps back, as at()'s does.
      return epoch - origin + direction * (slewNanos / SLEW_DIVISOR);
    }
  }

  /** The line before {@code start} and the one from it; both agree at {@code start}. */
  private static final class Anchor {
    final Line before;
    final long start;
    final Line line;
    final long nextCheck;
    /**
     * From this monotonic instant until {@link #nextCheck} a reading is {@link #steadyOffset} past
     * the monotonic one: {@link #line} has finished its slew. {@code nextCheck} when it has not by then.
     */
    final long steadyFrom;
    final long steadyOffset;
    /** Readings at or past this monotonic instant wait for the next anchor; set while it is made. */
    volatile long handOverBy = Long.MAX_VALUE;

    Anchor(Line before, long start, Line line, long nextCheck) {
      this.before = before;
      this.start = start;
      this.line = line;
      this.nextCheck = nextCheck;
      // Compared as a length, not as start + slewNanos: a long slew must not overflow into the past.
      this.steadyFrom = line.slewNanos() < nextCheck - start ? start + line.slewNanos() : nextCheck;
      this.steadyOffset = line.steadyOffset();
    }

    long at(long monotonic) {
      return monotonic < start ? before.at(monotonic) : line.at(monotonic);
    }
  }
}
