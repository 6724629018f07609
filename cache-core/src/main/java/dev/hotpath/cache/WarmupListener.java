package dev.hotpath.cache;

/** Receives warmup progress, from the strategies' threads. Must be thread-safe and quick. */
public interface WarmupListener {

  /**
   * A strategy progressed.
   *
   * @param total entries expected, or -1 while unknown
   */
  void onProgress(String strategy, long done, long total);

  /** Every strategy finished or the deadline passed. */
  default void onFinished(WarmupReport report) {}
}
