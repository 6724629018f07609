package dev.hotpath.cache;

/**
 * Carries {@link InvalidationEvent}s between the cache instances (nodes) that share tiers. The
 * default, {@link #inProcess()}, connects the caches of one JVM; the Redis bus in cache-redis
 * connects processes.
 *
 * <p>Implementations are thread-safe and never block {@link #publish} on a slow listener. A bus
 * that can lose events must tell its subscribers through {@link
 * InvalidationListener#onEventsPossiblyLost()}.
 */
public interface InvalidationBus extends AutoCloseable {

  /**
   * Sends {@code event} to every subscriber, including the publishing node's own (which ignores
   * events of its own origin).
   *
   * @throws NullPointerException if {@code event} is null
   */
  void publish(InvalidationEvent event);

  /**
   * Adds a subscriber; closing the returned handle removes it.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  Subscription subscribe(InvalidationListener listener);

  /** Stops delivery and releases what the bus owns. Never throws. */
  @Override
  default void close() {}

  /**
   * A bus that delivers events synchronously to the subscribers of this JVM, in the publishing
   * thread. Share one instance between caches to make them see each other's invalidations.
   */
  static InvalidationBus inProcess() {
    return new InProcessInvalidationBus();
  }
}
