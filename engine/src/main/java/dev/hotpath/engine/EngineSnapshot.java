package dev.hotpath.engine;

import java.time.Duration;

/**
 * The engine at one moment, for dashboards and health checks ({@link BatchEngine#snapshot()}).
 * Rates are over the last ten seconds of the engine's clock. Immutable.
 */
public final class EngineSnapshot {
  private final long recentItems;
  private final long recentFailures;
  private final long recentHits;
  private final int recentSeconds;
  private final long quotaUsed;
  private final long quotaLimit;
  private final long weightUsed;
  private final int activeWorkers;
  private final int concurrencyLimit;
  private final long[] queued;
  private final int batchesInProgress;
  private final CircuitBreaker.State circuitState;
  private final long pausedNanos;

  EngineSnapshot(long recentItems, long recentFailures, long recentHits, int recentSeconds, long quotaUsed,
      long quotaLimit, long weightUsed, int activeWorkers, int concurrencyLimit, long[] queued, int batchesInProgress,
      CircuitBreaker.State circuitState, long pausedNanos) {
    this.recentItems = recentItems;
    this.recentFailures = recentFailures;
    this.recentHits = recentHits;
    this.recentSeconds = recentSeconds;
    this.quotaUsed = quotaUsed;
    this.quotaLimit = quotaLimit;
    this.weightUsed = weightUsed;
    this.activeWorkers = activeWorkers;
    this.concurrencyLimit = concurrencyLimit;
    this.queued = queued.clone();
    this.batchesInProgress = batchesInProgress;
    this.circuitState = circuitState;
    this.pausedNanos = pausedNanos;
  }

  /** Items done (values and failures) per second, over the last ten seconds. */
  public double itemsPerSecond() {
    return (double) recentItems / recentSeconds;
  }

  /** Of the items done in the last ten seconds, the share served by a cache tier; 0 when none. */
  public double cacheHitRate() {
    return recentItems == 0 ? 0 : (double) recentHits / recentItems;
  }

  /** Of the items done in the last ten seconds, the share that failed (any kind); 0 when none. */
  public double errorRate() {
    return recentItems == 0 ? 0 : (double) recentFailures / recentItems;
  }

  /**
   * The weight the source last reported as used in its current window (its used-weight header),
   * 0 when it has reported none in this window yet, -1 without a {@linkplain
   * BatchEngine.Builder#usedWeightBandwidth used-weight bandwidth}.
   */
  public long quotaUsed() {
    return quotaUsed;
  }

  /** The capacity of the used-weight bandwidth; -1 without one. */
  public long quotaLimit() {
    return quotaLimit;
  }

  /** Rate-limit weight paid by all source calls since the engine started. */
  public long weightUsed() {
    return weightUsed;
  }

  /** Source calls holding a slot now (waiting for their weight, or in flight). */
  public int activeWorkers() {
    return activeWorkers;
  }

  /** The bulkhead's current limit. */
  public int concurrencyLimit() {
    return concurrencyLimit;
  }

  /** Items of open batches, all priorities. */
  public long queueLength() {
    return queued[0] + queued[1] + queued[2];
  }

  /** Items of open batches of {@code priority}: what counts against its queue's capacity. */
  public long queueLength(Priority priority) {
    return queued[priority.ordinal()];
  }

  /** Batches submitted and not yet done. */
  public int batchesInProgress() {
    return batchesInProgress;
  }

  /** The source's circuit breaker; HALF_OPEN also when its open time is over and the next call will probe. */
  public CircuitBreaker.State circuitState() {
    return circuitState;
  }

  /**
   * How long calls to the source stay paused by its last 429/418, or while the rate limiter cannot
   * decide; zero when they are not.
   */
  public Duration pausedFor() {
    return Duration.ofNanos(pausedNanos);
  }

  @Override
  public String toString() {
    return String.format("EngineSnapshot[%.1f items/s, hit rate %.2f, error rate %.2f, quota %d/%d, weight %d, "
            + "workers %d/%d, queued %d/%d/%d, %d batches, circuit %s, paused %s]",
        itemsPerSecond(), cacheHitRate(), errorRate(), quotaUsed, quotaLimit, weightUsed, activeWorkers,
        concurrencyLimit, queued[0], queued[1], queued[2], batchesInProgress, circuitState, pausedFor());
  }
}
