package dev.hotpath.cache;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a namespace's entries live in each tier, plus negative caching, refresh-ahead and TTL
 * jitter.
 *
 * <p>The in-process tier ("L1") always has a TTL. Tiers outside the process ("L2": Redis,
 * PostgreSQL) use {@link Builder#l2} unless a tier has its own TTL through {@link Builder#tier}; a
 * namespace whose profile has neither is kept in process only. Presets for the usual trading data
 * are constants of this class; derive from them with {@link #toBuilder()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class TtlProfile {

  /** Symbol configuration: 1 hour in L1 and L2; invalidate on update. */
  public static final TtlProfile SYMBOL_CONFIG =
      builder().l1(Duration.ofHours(1)).l2(Duration.ofHours(1)).build();

  /** User accounts: 5 minutes in L1 and L2; invalidate on balance change. */
  public static final TtlProfile ACCOUNT =
      builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build();

  /** Liquidity-provider configuration: 10 minutes in L1 and L2. */
  public static final TtlProfile LP_CONFIG =
      builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build();

  /** Market prices: 1 second, in process only. */
  public static final TtlProfile MARKET_PRICE = builder().l1(Duration.ofSeconds(1)).build();

  /** Positions: 100 milliseconds, in process only. */
  public static final TtlProfile POSITION = builder().l1(Duration.ofMillis(100)).build();

  /** Order books: 100 milliseconds, in process only. */
  public static final TtlProfile ORDER_BOOK = builder().l1(Duration.ofMillis(100)).build();

  /** Historical OHLC candles (immutable once closed): 24 hours in L1 and L2. */
  public static final TtlProfile OHLC_HISTORICAL =
      builder().l1(Duration.ofHours(24)).l2(Duration.ofHours(24)).build();

  /** API responses: 30 seconds, in process only. */
  public static final TtlProfile API_RESPONSE = builder().l1(Duration.ofSeconds(30)).build();

  private final Duration l1;
  private final Duration l2;
  private final Map<String, Duration> tiers;
  private final Duration negative;
  private final Duration refreshAfter;
  private final double jitter;
  private final long l1Nanos;
  private final long negativeNanos;

  private TtlProfile(Builder b) {
    this.l1 = b.l1;
    this.l2 = b.l2;
    this.tiers = Collections.unmodifiableMap(new LinkedHashMap<>(b.tiers));
    this.negative = b.negative;
    this.refreshAfter = b.refreshAfter;
    this.jitter = b.jitter;
    this.l1Nanos = Arguments.saturatedNanos(l1);
    this.negativeNanos = negative == null ? 0 : Arguments.saturatedNanos(negative);
  }

  /** A new builder; {@link Builder#l1} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this profile's settings, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.l1 = l1;
    b.l2 = l2;
    b.tiers.putAll(tiers);
    b.negative = negative;
    b.refreshAfter = refreshAfter;
    b.jitter = jitter;
    return b;
  }

  /** Time to live in the in-process tier; positive, never null. */
  public Duration l1() {
    return l1;
  }

  /** Default time to live in tiers outside the process, or {@code null} when none is set. */
  public Duration l2() {
    return l2;
  }

  /**
   * Time to live in the named tier: its own TTL if set, else {@link #l2()}; {@code null} when the
   * namespace is not stored in that tier.
   */
  public Duration ttlFor(String tierName) {
    Duration own = tiers.get(tierName);
    return own != null ? own : l2;
  }

  /** Names of the tiers with a TTL of their own. */
  java.util.Set<String> tierOverrides() {
    return tiers.keySet();
  }

  /** Time to live of a remembered absence, or {@code null} when absences are not cached. */
  public Duration negative() {
    return negative;
  }

  /** Age after which a read triggers a background reload, or {@code null} for none. */
  public Duration refreshAfter() {
    return refreshAfter;
  }

  /** Fraction in [0, 1) by which each entry's TTL is randomly shortened, to spread expiries. */
  public double jitter() {
    return jitter;
  }

  /** L1 TTL of one entry in nanoseconds, with jitter applied. */
  long jitteredL1Nanos() {
    return jittered(l1Nanos);
  }

  long negativeNanos() {
    return negativeNanos;
  }

  /** {@code ttl} shortened by a random fraction of at most {@link #jitter()}. */
  Duration jittered(Duration ttl) {
    return jitter == 0.0 ? ttl : Duration.ofNanos(jittered(Arguments.saturatedNanos(ttl)));
  }

  private long jittered(long nanos) {
    if (jitter == 0.0) {
      return nanos;
    }
    long spread = (long) (nanos * jitter);
    return spread <= 0 ? nanos : nanos - ThreadLocalRandom.current().nextLong(spread + 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TtlProfile p
        && l1.equals(p.l1)
        && Objects.equals(l2, p.l2)
        && tiers.equals(p.tiers)
        && Objects.equals(negative, p.negative)
        && Objects.equals(refreshAfter, p.refreshAfter)
        && jitter == p.jitter;
  }

  @Override
  public int hashCode() {
    return Objects.hash(l1, l2, tiers, negative, refreshAfter, jitter);
  }

  @Override
  public String toString() {
    return "TtlProfile[l1=" + l1 + ", l2=" + l2 + ", tiers=" + tiers + ", negative=" + negative
        + ", refreshAfter=" + refreshAfter + ", jitter=" + jitter + "]";
  }

  /**
   * Builds a {@link TtlProfile}. Each setter may be called once ({@link IllegalStateException}
   * otherwise); a builder from {@link TtlProfile#toBuilder()} starts with the prototype's values,
   * and each may be replaced once. Not thread-safe; reusable after {@link #build()}.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private Duration l1;
    private Duration l2;
    private final Map<String, Duration> tiers = new LinkedHashMap<>();
    private Duration negative;
    private Duration refreshAfter;
    private double jitter;

    private Builder() {}

    /** Time to live in process. Required. @throws IllegalArgumentException if not positive */
    public Builder l1(Duration ttl) {
      Arguments.unassigned(assigned, "l1");
      this.l1 = Arguments.positive(ttl, "l1");
      assigned.add("l1");
      return this;
    }

    /** Default time to live in tiers outside the process. @throws IllegalArgumentException if not positive */
    public Builder l2(Duration ttl) {
      Arguments.unassigned(assigned, "l2");
      this.l2 = Arguments.positive(ttl, "l2");
      assigned.add("l2");
      return this;
    }

    /**
     * Time to live in the named tier, overriding {@link #l2}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder tier(String tierName, Duration ttl) {
      Objects.requireNonNull(tierName, "tierName");
      Arguments.unassigned(assigned, "tier(" + tierName + ")");
      tiers.put(tierName, Arguments.positive(ttl, "tier(" + tierName + ")"));
      assigned.add("tier(" + tierName + ")");
      return this;
    }

    /** Cache absences (the loader returned null) for {@code ttl}. @throws IllegalArgumentException if not positive */
    public Builder negative(Duration ttl) {
      Arguments.unassigned(assigned, "negative");
      this.negative = Arguments.positive(ttl, "negative");
      assigned.add("negative");
      return this;
    }

    /**
     * Reload an entry in the background when it is read after {@code age}, serving the current
     * value meanwhile. Needs a loader; must be shorter than {@link #l1}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder refreshAfter(Duration age) {
      Arguments.unassigned(assigned, "refreshAfter");
      this.refreshAfter = Arguments.positive(age, "refreshAfter");
      assigned.add("refreshAfter");
      return this;
    }

    /**
     * Shorten each entry's TTL by a random fraction of at most {@code fraction}, so entries written
     * together do not expire together.
     *
     * @throws IllegalArgumentException unless {@code 0 <= fraction < 1}
     */
    public Builder jitter(double fraction) {
      Arguments.unassigned(assigned, "jitter");
      this.jitter = Arguments.fraction(fraction, "jitter");
      assigned.add("jitter");
      return this;
    }

    /**
     * The profile.
     *
     * @throws IllegalStateException when {@code l1} is unset, or {@code refreshAfter} is not
     *     shorter than the shortest jittered {@code l1}
     */
    public TtlProfile build() {
      if (l1 == null) {
        throw new IllegalStateException("l1 is required");
      }
      if (refreshAfter != null && refreshAfter.compareTo(l1) >= 0) {
        throw new IllegalStateException(
            "refreshAfter (" + refreshAfter + ") must be shorter than l1 (" + l1 + ")");
      }
      // With jitter an entry may live only l1 × (1 − jitter); refresh must come before that.
      if (refreshAfter != null && jitter > 0
          && Arguments.saturatedNanos(refreshAfter) >= (long) (Arguments.saturatedNanos(l1) * (1 - jitter))) {
        throw new IllegalStateException(
            "refreshAfter (" + refreshAfter + ") must be shorter than l1 × (1 − jitter) ("
                + l1 + " × " + (1 - jitter) + ")");
      }
      return new TtlProfile(this);
    }
  }
}
