package dev.hotpath.engine;

/**
 * The bulkhead's current limit: fixed, or adapted by AIMD (see {@link Concurrency}). Guarded by
 * the engine's lock.
 */
final class ConcurrencyLimit {
  /** Replies before the latency average is trusted to judge a reply slow. */
  static final int WARM_UP = 10;
  static final double HARD_BACKOFF = 0.5;
  static final double SOFT_BACKOFF = 0.9;
  private static final double EWMA_WEIGHT = 0.1;

  private final Concurrency config;
  private double limit;
  private long generation;
  private double averageNanos;
  private int samples;

  ConcurrencyLimit(Concurrency config) {
    this.config = config;
    this.limit = config.min();
  }

  int current() {
    return (int) limit;
  }

  /** Identifies the current congestion round; a call remembers it when sent. */
  long generation() {
    return generation;
  }

  /** A healthy reply after {@code latencyNanos}; {@code inUse} calls held slots when it came. */
  void onSuccess(long latencyNanos, int inUse, long callGeneration) {
    if (!config.isAdaptive()) {
      return;
    }
    boolean slow = samples >= WARM_UP && latencyNanos > 2 * averageNanos;
    averageNanos = samples == 0 ? latencyNanos : averageNanos + EWMA_WEIGHT * (latencyNanos - averageNanos);
    samples++;
    if (slow) {
      onCongestion(callGeneration, SOFT_BACKOFF);
    } else if (inUse * 2 >= limit) {
      limit = Math.min(config.max(), limit + 1);
    }
  }

  /**
   * A sign of congestion from a call sent in {@code callGeneration}: lowers the limit by {@code
   * factor}, once per round.
   */
  void onCongestion(long callGeneration, double factor) {
    if (!config.isAdaptive() || callGeneration != generation) {
      return;
    }
    limit = Math.max(config.min(), Math.floor(limit * factor));
    generation++;
  }
}
