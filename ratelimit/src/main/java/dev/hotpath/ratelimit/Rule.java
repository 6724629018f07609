package dev.hotpath.ratelimit;

/**
 * One bandwidth compiled to integer arithmetic on a single {@code long} of state, so a bucket can
 * be updated by one compare-and-set. All times are epoch nanoseconds from a {@link NanoClock}.
 *
 * <p>The state of a fresh bucket is {@link #EMPTY}; every method first lifts the state to the
 * "full bucket" floor, so a bucket idle for any length of time needs no special case and the
 * arithmetic never overflows. The lift must come before any subtraction: on an epoch clock
 * {@code EMPTY - now} itself wraps around. Reservations (blocking acquire) push the state past
 * the allowance: that is debt, repaid by refill, which is what keeps waiters in FIFO order.
 */
abstract class Rule {

  /** State of a bucket nobody has used: full. */
  static final long EMPTY = Long.MIN_VALUE + 1;
  /** State of a bucket removed from its map; never produced by the arithmetic. */
  static final long DEAD = Long.MIN_VALUE;

  final long capacity;

  Rule(long capacity) {
    this.capacity = capacity;
  }

  static Rule of(Bandwidth b) {
    if (b.kind() == Bandwidth.Kind.WINDOW) {
      return new WindowRule(b.capacity(), b.periodNanos(), b.offsetNanos());
    }
    long g = gcd(b.refillTokens(), b.periodNanos());
    long tokens = b.refillTokens() / g;
    long period = b.periodNanos() / g;
    // One permit per whole number of nanoseconds (the common case: 10/s, 6000/min) needs no
    // division at all: the state is the instant the bucket is full again (GCRA).
    return tokens == 1 ? new IntervalRule(b.capacity(), period) : new RefillRule(b.capacity(), tokens, period);
  }

  /** The state after taking {@code permits} at {@code now}, debt allowed. */
  abstract long take(long state, long now, long permits);

  /** Nanoseconds from {@code now} until {@code state} is within the allowance; 0 if it is. */
  abstract long waitFor(long state, long now);

  /** Permits available at {@code now}; negative while in debt. */
  abstract long available(long state, long now);

  /** Nanoseconds from {@code now} until the bucket is full again; 0 if it is. */
  abstract long nanosToFull(long state, long now);

  /** Permits used at {@code now}: capacity minus available, rounded so it never under-counts. */
  abstract long used(long state, long now);

  /** A state with at least {@code used} permits used (0..capacity), never one with fewer than now. */
  abstract long withUsed(long state, long now, long used);

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Greedy refill of one permit every {@code interval} ns; state = instant the bucket is full. */
  static final class IntervalRule extends Rule {
    private final long interval;
    private final long span;

    IntervalRule(long capacity, long interval) {
      super(capacity);
      this.interval = interval;
      this.span = capacity * interval; // checked by Bandwidth.build()
    }

    @Override
    long take(long state, long now, long permits) {
      return Math.max(state, now) + permits * interval;
    }

    @Override
    long waitFor(long state, long now) {
      // Lifted to now first: EMPTY - now wraps to a huge positive value on an epoch clock.
      long excess = Math.max(state, now) - now - span;
      return excess > 0 ? excess : 0;
    }

    @Override
    long available(long state, long now) {
      return Math.floorDiv(span - (Math.max(state, now) - now), interval);
    }

    @Override
    long nanosToFull(long state, long now) {
      // Compared, not subtracted first: EMPTY - now wraps to a huge positive value on an epoch
      // clock, and a never-used bandwidth would then never count as full.
      return state <= now ? 0 : state - now;
    }

    @Override
    long used(long state, long now) {
      return ceilDiv(Math.max(state, now) - now, interval);
    }

    @Override
    long withUsed(long state, long now, long used) {
      return Math.max(Math.max(state, now), now + Math.min(used, capacity) * interval);
    }
  }

  /**
   * Token-index bandwidths: the state is the index of the last permit handed out, on a line where
   * {@link #ceiling(long)} permits have been released by {@code now}. The bucket holds
   * {@code ceiling - state} permits, at most capacity.
   */
  abstract static class IndexRule extends Rule {

    IndexRule(long capacity) {
      super(capacity);
    }

    /** Permits released up to {@code now} (inclusive). */
    abstract long ceiling(long now);

    /** The first instant at which {@code ceiling} reaches {@code index}. */
    abstract long timeOf(long index);

    private long floor(long state, long ceiling) {
      return Math.max(state, ceiling - capacity);
    }

    @Override
    final long take(long state, long now, long permits) {
      return floor(state, ceiling(now)) + permits;
    }

    @Override
    final long waitFor(long state, long now) {
      return state <= ceiling(now) ? 0 : timeOf(state) - now;
    }

    @Override
    final long available(long state, long now) {
      long ceiling = ceiling(now);
      return ceiling - floor(state, ceiling);
    }

    @Override
    final long nanosToFull(long state, long now) {
      return Math.max(0, timeOf(floor(state, ceiling(now)) + capacity) - now);
    }

    @Override
    final long used(long state, long now) {
      long ceiling = ceiling(now);
      return floor(state, ceiling) - (ceiling - capacity);
    }

    @Override
    final long withUsed(long state, long now, long used) {
      long ceiling = ceiling(now);
      return Math.max(floor(state, ceiling), ceiling - capacity + Math.min(used, capacity));
    }
  }

  /** Greedy refill of {@code tokens} per {@code period} ns (already reduced by their gcd). */
  static final class RefillRule extends IndexRule {
    private final long tokens;
    private final long period;

    RefillRule(long capacity, long tokens, long period) {
      super(capacity);
      this.tokens = tokens;
      this.period = period;
    }

    @Override
    long ceiling(long now) {
      // floor(now * tokens / period) without overflow: tokens * period fits (checked at build).
      return Math.floorDiv(now, period) * tokens + Math.floorMod(now, period) * tokens / period;
    }

    @Override
    long timeOf(long index) {
      return Math.floorDiv(index, tokens) * period + ceilDiv(Math.floorMod(index, tokens) * period, tokens);
    }
  }

  /** A full bucket at every boundary {@code offset + k * window} of the epoch clock. */
  static final class WindowRule extends IndexRule {
    private final long window;
    private final long offset;

    WindowRule(long capacity, long window, long offset) {
      super(capacity);
      this.window = window;
      this.offset = offset;
    }

    @Override
    long ceiling(long now) {
      return (Math.floorDiv(now - offset, window) + 1) * capacity;
    }

    @Override
    long timeOf(long index) {
      return (ceilDiv(index, capacity) - 1) * window + offset;
    }
  }
}
