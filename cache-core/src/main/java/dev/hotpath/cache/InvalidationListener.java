package dev.hotpath.cache;

/**
 * Receives invalidation events. Called on the bus's delivery thread: return quickly and do not
 * block. Exceptions thrown by a listener are logged and do not stop delivery to others.
 */
@FunctionalInterface
public interface InvalidationListener {

  /** An invalidation happened, on this node or another. */
  void onInvalidation(InvalidationEvent event);

  /**
   * The bus may have lost events (it was disconnected, or its log could not cover a gap). A cache
   * reacts by clearing the in-process copies of every namespace stored in a shared tier.
   */
  default void onEventsPossiblyLost() {}
}
