package dev.hotpath.cache;

/**
 * Counters of one tier for one namespace, since the cache started.
 *
 * @param tier the tier's name
 * @param hits reads that found an entry
 * @param misses reads that found none
 * @param errors operations that threw (the tier was down or failing), reads and writes
 * @param readErrors keys whose read failed (each also counted as a miss)
 * @param decodeFailures entries whose bytes could not be decoded (counted as misses too)
 * @param meanLatency mean duration of the tier's reads; zero for the in-process tier, whose
 *     hits are not timed
 */
public record TierStats(
    String tier,
    long hits,
    long misses,
    long errors,
    long readErrors,
    long decodeFailures,
    java.time.Duration meanLatency) {

  /** {@code hits / (hits + misses)}, or 1 when there were no reads. */
  public double hitRate() {
    long requests = hits + misses;
    return requests == 0 ? 1.0 : (double) hits / requests;
  }
}
