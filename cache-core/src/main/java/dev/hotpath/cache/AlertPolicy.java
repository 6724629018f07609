package dev.hotpath.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Thresholds that raise {@link CacheAlert}s, evaluated per namespace over the reads since the
 * previous evaluation (not since start, so an old good hour cannot hide a bad minute).
 *
 * <p>Defaults follow the seeds: hit rate below 50 %, in-process hit rate below 30 %, mean latency
 * above 10 ms, more than 1,000 evictions per second, any shared-tier failure; evaluated every 10
 * seconds, and only for namespaces with at least 100 reads in the window.
 *
 * <p>Immutable and thread-safe.
 */
public final class AlertPolicy {
  private final double minHitRate;
  private final double minL1HitRate;
  private final Duration maxLatency;
  private final double maxEvictionsPerSecond;
  private final long maxTierErrors;
  private final long minRequests;
  private final Duration interval;

  private AlertPolicy(Builder b) {
    this.minHitRate = b.minHitRate;
    this.minL1HitRate = b.minL1HitRate;
    this.maxLatency = b.maxLatency;
    this.maxEvictionsPerSecond = b.maxEvictionsPerSecond;
    this.maxTierErrors = b.maxTierErrors;
    this.minRequests = b.minRequests;
    this.interval = b.interval;
  }

  /** The defaults described above. */
  public static AlertPolicy defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  public double minHitRate() {
    return minHitRate;
  }

  public double minL1HitRate() {
    return minL1HitRate;
  }

  public Duration maxLatency() {
    return maxLatency;
  }

  public double maxEvictionsPerSecond() {
    return maxEvictionsPerSecond;
  }

  /** Most shared-tier failures tolerated per window. */
  public long maxTierErrors() {
    return maxTierErrors;
  }

  public long minRequests() {
    return minRequests;
  }

  /** How often alerts are evaluated in the background. */
  public Duration interval() {
    return interval;
  }

  @Override
  public String toString() {
    return "AlertPolicy[minHitRate=" + minHitRate + ", minL1HitRate=" + minL1HitRate + ", maxLatency="
        + maxLatency + ", maxEvictionsPerSecond=" + maxEvictionsPerSecond + ", maxTierErrors="
        + maxTierErrors + ", minRequests=" + minRequests + ", interval=" + interval + "]";
  }

  /** Builds an {@link AlertPolicy}. Each setter may be called once ({@link IllegalStateException} otherwise). Not thread-safe. */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private double minHitRate = 0.5;
    private double minL1HitRate = 0.3;
    private Duration maxLatency = Duration.ofMillis(10);
    private double maxEvictionsPerSecond = 1_000;
    private long maxTierErrors = 0;
    private long minRequests = 100;
    private Duration interval = Duration.ofSeconds(10);

    private Builder() {}

    /** @throws IllegalArgumentException unless in [0, 1] */
    public Builder minHitRate(double rate) {
      Arguments.unassigned(assigned, "minHitRate");
      this.minHitRate = rate(rate, "minHitRate");
      assigned.add("minHitRate");
      return this;
    }

    /** @throws IllegalArgumentException unless in [0, 1] */
    public Builder minL1HitRate(double rate) {
      Arguments.unassigned(assigned, "minL1HitRate");
      this.minL1HitRate = rate(rate, "minL1HitRate");
      assigned.add("minL1HitRate");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder maxLatency(Duration latency) {
      Arguments.unassigned(assigned, "maxLatency");
      this.maxLatency = Arguments.positive(latency, "maxLatency");
      assigned.add("maxLatency");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder maxEvictionsPerSecond(double rate) {
      Arguments.unassigned(assigned, "maxEvictionsPerSecond");
      if (!(rate > 0)) {
        throw new IllegalArgumentException("maxEvictionsPerSecond must be positive but was " + rate);
      }
      this.maxEvictionsPerSecond = rate;
      assigned.add("maxEvictionsPerSecond");
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder maxTierErrors(long errors) {
      Arguments.unassigned(assigned, "maxTierErrors");
      if (errors < 0) {
        throw new IllegalArgumentException("maxTierErrors must not be negative but was " + errors);
      }
      this.maxTierErrors = errors;
      assigned.add("maxTierErrors");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder minRequests(long requests) {
      Arguments.unassigned(assigned, "minRequests");
      this.minRequests = Arguments.positive(requests, "minRequests");
      assigned.add("minRequests");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder interval(Duration interval) {
      Arguments.unassigned(assigned, "interval");
      this.interval = Arguments.positive(interval, "interval");
      assigned.add("interval");
      return this;
    }

    public AlertPolicy build() {
      return new AlertPolicy(this);
    }

    private static double rate(double rate, String field) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException(field + " must be in [0, 1] but was " + rate);
      }
      return rate;
    }
  }
}
