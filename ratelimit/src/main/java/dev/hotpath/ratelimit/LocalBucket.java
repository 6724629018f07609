package dev.hotpath.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of one key of a {@link LocalRateLimiter} under one {@link RateLimit}. Lock-free: every
 * change is one compare-and-set. A bucket leaves its map only by being set {@link Rule#DEAD}
 * (inside the map's compute, so no update can land on a bucket that is no longer in the map).
 */
abstract class LocalBucket {

  /** Returned by {@link #reserve} from a dead bucket: look the key up again. */
  static final long GONE = Long.MIN_VALUE;

  final RateLimit limit;

  LocalBucket(RateLimit limit) {
    this.limit = limit;
  }

  static LocalBucket create(RateLimit limit) {
    return limit.rules().length == 1 ? new Single(limit, Rule.EMPTY) : new Multi(limit, null);
  }

  /** A bucket whose bandwidths are all empty at {@code now}: it grants only what refills after. */
  static LocalBucket createEmpty(RateLimit limit, long now) {
    Rule[] rules = limit.rules();
    long[] states = new long[rules.length];
    for (int i = 0; i < rules.length; i++) {
      states[i] = rules[i].withUsed(Rule.EMPTY, now, rules[i].capacity);
    }
    return rules.length == 1 ? new Single(limit, states[0]) : new Multi(limit, states);
  }

  /** As {@link BaseRateLimiter#reserve}, or {@link #GONE}. */
  abstract long reserve(long permits, long maxWaitNanos, NanoClock clock);

  /** Remaining, reset and limit after the fact, for a decision; {@code wait} is the reserve result. */
  abstract RateLimitDecision describe(long wait, long now);

  /** Raises bandwidth {@code index} to at least {@code used}; false if the bucket is dead. */
  abstract boolean sync(int index, long used, long now);

  /** True when every bandwidth is full at {@code now}: then the bucket is the same as none. */
  abstract boolean isFull(long now);

  /** Sets the bucket dead if it is full; true if it did. */
  abstract boolean killIfFull(long now);

  /** Sets the bucket dead and returns a bucket under {@code next} with the same permits used. */
  abstract LocalBucket moveTo(RateLimit next, long now);

  final boolean isMultiple() {
    return limit.rules().length > 1;
  }

  /** Builds the decision from per-bandwidth states; shared by both shapes. */
  static RateLimitDecision describe(Rule[] rules, long[] states, long wait, long now) {
    int tightest = 0;
    long remaining = Long.MAX_VALUE;
    for (int i = 0; i < rules.length; i++) {
      long available = rules[i].available(states[i], now);
      if (available < remaining) {
        remaining = available;
        tightest = i;
      }
    }
    Rule rule = rules[tightest];
    return new RateLimitDecision(wait >= 0, remaining, Math.max(0, -wait), rule.capacity,
        rule.nanosToFull(states[tightest], now));
  }

  /**
   * One bandwidth: the state is a single long, the hot path allocates nothing. The long sits
   * between paddings of its own cache line ({@link SingleState}): every acquire writes it, and next
   * to the fields every acquire reads ({@link #limit}, the rule) each write by one core would evict
   * them from the other cores' caches (false sharing) when several threads acquire on one key. It is
   * a field of the bucket itself, not of an object the bucket points to: the map lookup already
   * loaded the bucket, so after the clock read the state is one load away, not two.
   */
  static final class Single extends SinglePadAfter {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(SingleState.class, "state", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Rule rule;

    Single(RateLimit limit, long state) {
      super(limit, state);
      this.rule = limit.rules()[0];
    }

    @Override
    long reserve(long permits, long maxWaitNanos, NanoClock clock) {
      Rule r = rule;
      long now = clock.nanos();
      boolean fresh = true;
      for (;;) {
        long current = state;
        if (current == Rule.DEAD) {
          return GONE;
        }
        long next = r.take(current, now, permits);
        long wait = r.waitFor(next, now);
        if (wait > maxWaitNanos) {
          if (fresh) {
            return -wait;
          }
          now = clock.nanos(); // a stale "now" must not refuse permits that are there
          fresh = true;
          continue;
        }
        if (STATE.compareAndSet(this, current, next)) {
          return wait;
        }
        // Lost a race. Retry at once with the same "now": it only makes the answer more
        // conservative, and reading the clock again (tens of ns) would line this retry up
        // with the winner's next attempt.
        fresh = false;
      }
    }

    @Override
    RateLimitDecision describe(long wait, long now) {
      long current = state;
      return describe(limit.rules(), new long[] {current == Rule.DEAD ? Rule.EMPTY : current}, wait, now);
    }

    @Override
    boolean sync(int index, long used, long now) {
      for (;;) {
        long current = state;
        if (current == Rule.DEAD) {
          return false;
        }
        if (STATE.compareAndSet(this, current, rule.withUsed(current, now, used))) {
          return true;
        }
      }
    }

    @Override
    boolean isFull(long now) {
      long current = state;
      return current != Rule.DEAD && rule.nanosToFull(current, now) == 0;
    }

    @Override
    boolean killIfFull(long now) {
      long current = state;
      return current != Rule.DEAD && rule.nanosToFull(current, now) == 0 && STATE.compareAndSet(this, current, Rule.DEAD);
    }

    @Override
    LocalBucket moveTo(RateLimit next, long now) {
      long last = (long) STATE.getAndSet(this, Rule.DEAD);
      return moved(limit.rules(), new long[] {last}, next, now);
    }
  }

  /** Several bandwidths: an immutable array swapped by compare-and-set (allocates on success). */
  static final class Multi extends LocalBucket {
    private static final long[] DEAD = new long[0];
    private static final VarHandle STATES;

    static {
      try {
        STATES = MethodHandles.lookup().findVarHandle(Multi.class, "states", long[].class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private volatile long[] states;

    Multi(RateLimit limit, long[] states) {
      super(limit);
      if (states == null) {
        states = new long[limit.rules().length];
        java.util.Arrays.fill(states, Rule.EMPTY);
      }
      this.states = states;
    }

    @Override
    long reserve(long permits, long maxWaitNanos, NanoClock clock) {
      Rule[] rules = limit.rules();
      long now = clock.nanos();
      boolean fresh = true;
      for (;;) {
        long[] current = states;
        if (current == DEAD) {
          return GONE;
        }
        long wait = 0;
        for (int i = 0; i < rules.length; i++) {
          wait = Math.max(wait, rules[i].waitFor(rules[i].take(current[i], now, permits), now));
        }
        if (wait > maxWaitNanos) {
          if (fresh) {
            return -wait;
          }
          now = clock.nanos();
          fresh = true;
          continue;
        }
        long[] next = new long[rules.length];
        for (int i = 0; i < rules.length; i++) {
          next[i] = rules[i].take(current[i], now, permits);
        }
        if (STATES.compareAndSet(this, current, next)) {
          return wait;
        }
        fresh = false; // as in Single: retry with the same "now"
      }
    }

    @Override
    RateLimitDecision describe(long wait, long now) {
      long[] current = states;
      if (current == DEAD) {
        current = new long[limit.rules().length];
        java.util.Arrays.fill(current, Rule.EMPTY);
      }
      return describe(limit.rules(), current, wait, now);
    }

    @Override
    boolean sync(int index, long used, long now) {
      for (;;) {
        long[] current = states;
        if (current == DEAD) {
          return false;
        }
        long[] next = current.clone();
        next[index] = limit.rules()[index].withUsed(current[index], now, used);
        if (STATES.compareAndSet(this, current, next)) {
          return true;
        }
      }
    }

    @Override
    boolean isFull(long now) {
      return full(states, now);
    }

    @Override
    boolean killIfFull(long now) {
      long[] current = states;
      return full(current, now) && STATES.compareAndSet(this, current, DEAD);
    }

    private boolean full(long[] current, long now) {
      if (current == DEAD) {
        return false;
      }
      Rule[] rules = limit.rules();
      for (int i = 0; i < rules.length; i++) {
        if (rules[i].nanosToFull(current[i], now) > 0) {
          return false;
        }
      }
      return true;
    }

    @Override
    LocalBucket moveTo(RateLimit next, long now) {
      long[] last = (long[]) STATES.getAndSet(this, DEAD);
      return moved(limit.rules(), last, next, now);
    }
  }

  /**
   * A bucket under {@code next} whose bandwidth i has the permits used that bandwidth i of the old
   * one had (bandwidths beyond the old count start full).
   */
  private static LocalBucket moved(Rule[] old, long[] oldStates, RateLimit next, long now) {
    Rule[] rules = next.rules();
    long[] states = new long[rules.length];
    for (int i = 0; i < rules.length; i++) {
      states[i] = Rule.EMPTY;
      if (i < old.length && oldStates.length > i && oldStates[i] != Rule.DEAD) {
        states[i] = rules[i].withUsed(Rule.EMPTY, now, old[i].used(oldStates[i], now));
      }
    }
    return rules.length == 1 ? new Single(next, states[0]) : new Multi(next, states);
  }

  /** Padding before {@link SingleState#state}: a cache line is 64 bytes on x86 and most ARM cores (128 on some: half covered). */
  @SuppressWarnings("unused")
  abstract static class SinglePadBefore extends LocalBucket {
    long p1, p2, p3, p4, p5, p6, p7;

    SinglePadBefore(RateLimit limit) {
      super(limit);
    }
  }

  /** The state word; superclasses hold the fields before it, subclasses the padding after it. */
  abstract static class SingleState extends SinglePadBefore {
    volatile long state;

    SingleState(RateLimit limit, long state) {
      super(limit);
      this.state = state;
    }
  }

  /** Padding after {@link SingleState#state}, before {@link Single}'s own fields. */
  @SuppressWarnings("unused")
  abstract static class SinglePadAfter extends SingleState {
    long q1, q2, q3, q4, q5, q6, q7;

    SinglePadAfter(RateLimit limit, long state) {
      super(limit, state);
    }
  }
}
