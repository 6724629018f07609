package dev.hotpath.cache;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a namespace's counters, since the cache started.
 *
 * @param namespace the namespace's name
 * @param requests keys read, {@code hits} plus the keys no tier held (each key of a bulk read counts
 *     once; a key whose shared-tier read is still in flight counts when the tier answers, so both
 *     only ever grow)
 * @param hits keys found in some tier
 * @param tiers per-tier counters, in process first
 * @param loads keys loaded from the source (not counting keys a write-behind buffer answered)
 * @param loadFailures loader calls that threw
 * @param puts entries stored by {@code put} and {@code putAll} (warmup and loads are not puts)
 * @param evictions in-process entries evicted for size
 * @param meanLatency mean latency of the reads that went past the in-process tier (in-process
 *     hits are not timed: they take tens of nanoseconds and timing them would double that)
 * @param p99Latency estimated 99th percentile of the same reads, within a factor of two
 * @param size approximate in-process entry count
 * @param writeBacksSkipped values a read found in a lower tier or loaded but did not store in the
 *     tiers above, because the key changed while it ran, a whole-namespace invalidation was in
 *     progress, or the key's write lock stayed busy (each costs a later miss, never a stale value)
 * @param writeBehind write-behind counters
 */
public record NamespaceStats(
    String namespace,
    long requests,
    long hits,
    List<TierStats> tiers,
    long loads,
    long loadFailures,
    long puts,
    long evictions,
    Duration meanLatency,
    Duration p99Latency,
    long size,
    long writeBacksSkipped,
    WriteBehindStats writeBehind) {

  public NamespaceStats {
    tiers = List.copyOf(tiers);
  }

  /** Keys found in no tier. */
  public long misses() {
    return requests - hits;
  }

  /** {@code hits / requests} across all tiers, or 1 when there were no requests. */
  public double hitRate() {
    return requests == 0 ? 1.0 : (double) hits / requests;
  }

  /** Hit rate of the in-process tier alone. */
  public double l1HitRate() {
    return tiers.get(0).hitRate();
  }

  /** The counters of the named tier, or null when the namespace does not use it. */
  public TierStats tier(String name) {
    for (TierStats t : tiers) {
      if (t.tier().equals(name)) {
        return t;
      }
    }
    return null;
  }
}
