package dev.hotpath.cache;

/**
 * Receives alerts when they are raised and when they clear. Called from the cache's scheduler
 * thread, or from the thread calling {@link TieredCache#evaluateAlerts()}.
 */
public interface AlertListener {

  /** A threshold was crossed (called once, not at every evaluation while it stays crossed). */
  void onAlert(CacheAlert alert);

  /** A raised alert's condition no longer holds. */
  default void onCleared(CacheAlert alert) {}
}
