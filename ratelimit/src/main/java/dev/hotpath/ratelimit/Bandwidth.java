package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Objects;

/**
 * One bandwidth of a {@link RateLimit}: a bucket of {@code capacity} permits and how it refills.
 *
 * <ul>
 *   <li><b>Greedy</b> ({@link Builder#refillGreedy}): {@code tokens} permits per {@code period},
 *       added continuously (one permit every {@code period / tokens}), never above capacity.
 *   <li><b>Clock-aligned window</b> ({@link Builder#refillWindow}): the bucket becomes full again
 *       at every boundary of the wall clock (epoch + offset + k × window), the way exchanges count
 *       request weight per clock minute.
 * </ul>
 *
 * <p>All arithmetic is on integers (nanoseconds and permits), exact, without drift. The refill rate
 * may not exceed one permit per nanosecond. Immutable and thread-safe.
 */
public final class Bandwidth {

  /** How a bandwidth refills; package-private because the builder is the API. */
  enum Kind { GREEDY, WINDOW }

  private final String id;
  private final Kind kind;
  private final long capacity;
  private final long refillTokens;
  private final long periodNanos;
  private final long offsetNanos;

  private Bandwidth(Builder b) {
    this.id = b.id;
    this.kind = b.kind;
    this.capacity = b.capacity;
    this.refillTokens = b.kind == Kind.WINDOW ? b.capacity : b.refillTokens;
    this.periodNanos = b.periodNanos;
    this.offsetNanos = b.offsetNanos;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@code capacity} permits, refilled greedily at {@code capacity} per {@code period}
   * (for example 10 per second).
   *
   * @throws IllegalArgumentException if capacity or period is not positive, or the rate exceeds
   *     one permit per nanosecond
   * @throws NullPointerException if period is null
   */
  public static Bandwidth perPeriod(long capacity, Duration period) {
    return builder().capacity(capacity).refillGreedy(capacity, period).build();
  }

  /**
   * {@code capacity} permits per wall-clock-aligned {@code window} (for example 6,000 weight per
   * clock minute), full again at each boundary.
   *
   * @throws IllegalArgumentException if capacity or window is not positive
   * @throws NullPointerException if window is null
   */
  public static Bandwidth perWindow(long capacity, Duration window) {
    return builder().capacity(capacity).refillWindow(window).build();
  }

  /** The identifier used by {@link RateLimiter#syncUsage}; null when none was given. */
  public String id() {
    return id;
  }

  /** The most permits the bucket holds. */
  public long capacity() {
    return capacity;
  }

  /** Permits added per {@link #period()}; equals capacity for a window. */
  public long refillTokens() {
    return refillTokens;
  }

  /** The refill period, or the window length. */
  public Duration period() {
    return Duration.ofNanos(periodNanos);
  }

  /** True for a wall-clock-aligned window. */
  public boolean isClockAligned() {
    return kind == Kind.WINDOW;
  }

  /** Offset of the window boundaries from the epoch; zero for greedy bandwidths. */
  public Duration alignmentOffset() {
    return Duration.ofNanos(offsetNanos);
  }

  Kind kind() {
    return kind;
  }

  long periodNanos() {
    return periodNanos;
  }

  long offsetNanos() {
    return offsetNanos;
  }

  /** This bandwidth with capacity and refill multiplied by {@code share}, each at least 1. */
  Bandwidth scaled(double share) {
    Builder b = new Builder();
    b.id = id;
    b.capacity = Math.max(1, (long) Math.floor(capacity * share));
    b.kind = kind;
    b.refillTokens = kind == Kind.WINDOW ? b.capacity : Math.max(1, (long) Math.floor(refillTokens * share));
    b.periodNanos = periodNanos;
    b.offsetNanos = offsetNanos;
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bandwidth other
        && Objects.equals(id, other.id)
        && kind == other.kind
        && capacity == other.capacity
        && refillTokens == other.refillTokens
        && periodNanos == other.periodNanos
        && offsetNanos == other.offsetNanos;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, kind, capacity, refillTokens, periodNanos, offsetNanos);
  }

  @Override
  public String toString() {
    String head = id == null ? "Bandwidth[" : "Bandwidth[" + id + ": ";
    return kind == Kind.WINDOW
        ? head + capacity + " per aligned " + period() + (offsetNanos == 0 ? "" : " offset " + alignmentOffset()) + "]"
        : head + "capacity " + capacity + ", " + refillTokens + " per " + period() + "]";
  }

  /**
   * Builds a {@link Bandwidth}. Set the capacity and exactly one refill. Each value may be set
   * once: a second call of a setter (or of the other refill) throws {@link IllegalStateException}
   * naming the value. Not thread-safe; reusable after {@link #build()}.
   */
  public static final class Builder {
    private String id;
    private long capacity;
    private Kind kind;
    private long refillTokens;
    private long periodNanos;
    private long offsetNanos;
    private boolean offsetSet;

    private Builder() {
    }

    /** An identifier for {@link RateLimiter#syncUsage}, unique within a limit (e.g. "1m"). */
    public Builder id(String id) {
      requireNonNull(id, "id");
      Checks.requireUnset("id", this.id);
      if (id.isBlank()) {
        throw new IllegalArgumentException("id must not be blank: '" + id + "'");
      }
      this.id = id;
      return this;
    }

    /** The most permits the bucket holds; positive. */
    public Builder capacity(long capacity) {
      Checks.requireUnset("capacity", this.capacity != 0 ? this.capacity : null);
      this.capacity = Checks.positive("capacity", capacity);
      return this;
    }

    /** Adds {@code tokens} permits per {@code period}, continuously. */
    public Builder refillGreedy(long tokens, Duration period) {
      requireRefillUnset();
      long checkedTokens = Checks.positive("refill tokens", tokens);
      this.periodNanos = Checks.positiveNanos("period", period);
      this.refillTokens = checkedTokens;
      this.kind = Kind.GREEDY;
      return this;
    }

    /** Makes the bucket full again at every wall-clock boundary of {@code window}. */
    public Builder refillWindow(Duration window) {
      requireRefillUnset();
      this.periodNanos = Checks.positiveNanos("window", window);
      this.kind = Kind.WINDOW;
      return this;
    }

    /** Moves the window boundaries by {@code offset} from the epoch; only for windows. */
    public Builder alignmentOffset(Duration offset) {
      Checks.requireUnset("alignmentOffset", offsetSet ? Duration.ofNanos(offsetNanos) : null);
      this.offsetNanos = Checks.nonNegativeNanos("alignmentOffset", offset);
      this.offsetSet = true;
      return this;
    }

    /** {@link #refillGreedy} and {@link #refillWindow} set one value, the refill. */
    private void requireRefillUnset() {
      Checks.requireUnset("refill", kind == null ? null
          : kind == Kind.GREEDY ? "greedy " + refillTokens + " per " + Duration.ofNanos(periodNanos)
          : "window " + Duration.ofNanos(periodNanos));
    }

    /**
     * @throws IllegalStateException if capacity or refill is missing, or an offset is given to a
     *     greedy bandwidth
     * @throws IllegalArgumentException if the rate exceeds one permit per nanosecond, the offset
     *     is not shorter than the window, or the arithmetic would overflow
     */
    public Bandwidth build() {
      if (capacity == 0) {
        throw new IllegalStateException("capacity is not set");
      }
      if (kind == null) {
        throw new IllegalStateException("refill is not set: call refillGreedy or refillWindow");
      }
      if (kind == Kind.GREEDY) {
        if (offsetSet) {
          throw new IllegalStateException("alignmentOffset applies to windows only, not to greedy refill");
        }
        if (refillTokens > periodNanos) {
          throw new IllegalArgumentException("refill rate above one permit per nanosecond is not supported: "
              + refillTokens + " per " + Duration.ofNanos(periodNanos));
        }
        long g = Rule.gcd(refillTokens, periodNanos);
        try {
          Math.multiplyExact(refillTokens / g, periodNanos / g);
          Math.multiplyExact(capacity, periodNanos / g);
        } catch (ArithmeticException e) {
          throw new IllegalArgumentException("bandwidth too large for exact arithmetic: capacity " + capacity
              + ", " + refillTokens + " per " + Duration.ofNanos(periodNanos), e);
        }
      } else {
        if (capacity > periodNanos) {
          throw new IllegalArgumentException("window capacity above one permit per nanosecond is not supported: "
              + capacity + " per " + Duration.ofNanos(periodNanos));
        }
        if (offsetNanos >= periodNanos) {
          throw new IllegalArgumentException("alignmentOffset must be shorter than the window: "
              + Duration.ofNanos(offsetNanos) + " >= " + Duration.ofNanos(periodNanos));
        }
      }
      return new Bandwidth(this);
    }
  }
}
