package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A limit: one or more {@link Bandwidth}s checked together and atomically. A request is allowed
 * only when every bandwidth has the permits, and then takes them from all of them (for example
 * 1,200 weight per minute and 20 per second). Immutable and thread-safe.
 */
public final class RateLimit {

  /** More bandwidths than this on one key is a configuration mistake, not a use case. */
  static final int MAX_BANDWIDTHS = 8;

  private final List<Bandwidth> bandwidths;
  private final Rule[] rules;
  private final long capacity;
  private final int hash;

  private RateLimit(List<Bandwidth> bandwidths) {
    this.bandwidths = List.copyOf(bandwidths);
    this.rules = new Rule[bandwidths.size()];
    long min = Long.MAX_VALUE;
    for (int i = 0; i < rules.length; i++) {
      rules[i] = Rule.of(bandwidths.get(i));
      min = Math.min(min, bandwidths.get(i).capacity());
    }
    this.capacity = min;
    this.hash = this.bandwidths.hashCode();
  }

  /**
   * A limit of the given bandwidths.
   *
   * @throws NullPointerException if any bandwidth is null
   * @throws IllegalArgumentException if more than 8 bandwidths are given, or two share an id
   */
  public static RateLimit of(Bandwidth first, Bandwidth... more) {
    requireNonNull(first, "first");
    requireNonNull(more, "more");
    List<Bandwidth> all = new ArrayList<>(1 + more.length);
    all.add(first);
    all.addAll(Arrays.asList(more));
    return of(all);
  }

  /**
   * A limit of the given bandwidths, in order.
   *
   * @throws NullPointerException if the list or any bandwidth is null
   * @throws IllegalArgumentException if the list is empty, has more than 8 bandwidths, or two share an id
   */
  public static RateLimit of(List<Bandwidth> bandwidths) {
    requireNonNull(bandwidths, "bandwidths");
    if (bandwidths.isEmpty()) {
      throw new IllegalArgumentException("bandwidths must not be empty: []");
    }
    if (bandwidths.size() > MAX_BANDWIDTHS) {
      throw new IllegalArgumentException("at most " + MAX_BANDWIDTHS + " bandwidths per limit: " + bandwidths.size());
    }
    Set<String> ids = new HashSet<>();
    for (Bandwidth b : bandwidths) {
      requireNonNull(b, "bandwidth");
      if (b.id() != null && !ids.add(b.id())) {
        throw new IllegalArgumentException("bandwidth id used twice: " + b.id());
      }
    }
    return new RateLimit(bandwidths);
  }

  /** The bandwidths, in the order given; unmodifiable. */
  public List<Bandwidth> bandwidths() {
    return bandwidths;
  }

  /** The most permits one request may ask for: the smallest capacity. */
  public long capacity() {
    return capacity;
  }

  Rule[] rules() {
    return rules;
  }

  /** Index of the bandwidth with this id, or -1. */
  int indexOf(String id) {
    for (int i = 0; i < bandwidths.size(); i++) {
      if (id.equals(bandwidths.get(i).id())) {
        return i;
      }
    }
    return -1;
  }

  /** This limit with every bandwidth multiplied by {@code share} (fail-open fallback). */
  RateLimit scaled(double share) {
    List<Bandwidth> scaled = new ArrayList<>(bandwidths.size());
    for (Bandwidth b : bandwidths) {
      scaled.add(b.scaled(share));
    }
    return new RateLimit(scaled);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RateLimit other && hash == other.hash && bandwidths.equals(other.bandwidths);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "RateLimit" + bandwidths;
  }
}
