package dev.hotpath.cache;

/**
 * A listener's registration, returned by {@link InvalidationBus#subscribe} and {@link
 * TieredCache#addInvalidationListener}; closing it stops delivery to that listener.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

  /** Stops delivery to the listener. Idempotent; never throws. */
  @Override
  void close();
}
