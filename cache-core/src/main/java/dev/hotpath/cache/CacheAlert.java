package dev.hotpath.cache;

/**
 * A threshold of the {@link AlertPolicy} that a namespace crossed.
 *
 * @param type what was crossed
 * @param namespace the namespace
 * @param tier the tier, for {@link Type#TIER_FAILURES}; else null
 * @param observed the value seen in the window (a rate, milliseconds, evictions per second or a
 *     failure count, by type)
 * @param threshold the policy's limit, in the same unit
 */
public record CacheAlert(Type type, String namespace, String tier, double observed, double threshold) {

  /** What an alert is about. */
  public enum Type {
    LOW_HIT_RATE,
    LOW_L1_HIT_RATE,
    HIGH_LATENCY,
    HIGH_EVICTION_RATE,
    TIER_FAILURES
  }
}
