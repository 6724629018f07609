package dev.hotpath.cache;

import java.util.Set;

/**
 * Receives invalidation events. Called on the bus's delivery thread, one call at a time: return
 * quickly and do not block (a slow listener never blocks {@link InvalidationBus#publish}, but it
 * delays delivery to every listener of the bus, and a bus whose queue overflows tells its
 * listeners that events may have been lost). Exceptions thrown by a listener are logged and do not
 * stop delivery to others.
 */
@FunctionalInterface
public interface InvalidationListener {

  /** An invalidation happened, on this node or another. */
  void onInvalidation(InvalidationEvent event);

  /**
   * The bus may have lost events of any namespace whose changes cross nodes (it was disconnected,
   * or its log could not cover a gap). A cache reacts by clearing the in-process copies of its
   * namespaces that cross nodes: those stored in a tier outside the process, and those built with
   * {@link NamespaceSpec.Builder#crossNodeInvalidation()}.
   */
  default void onEventsPossiblyLost() {}

  /**
   * The bus may have lost events of {@code namespaces}, and of no other: its delivery queue
   * overflowed with their events, or Redis stopped reporting changes to their keys for a while. A
   * cache reacts by clearing the in-process copies of those of its namespaces.
   *
   * <p>The default calls {@link #onEventsPossiblyLost()}, so a listener written before this method
   * existed treats such a loss as a loss of everything: coarser, never unsafe.
   *
   * @param namespaces the namespaces' names; never empty, unmodifiable
   */
  default void onEventsPossiblyLost(Set<String> namespaces) {
    onEventsPossiblyLost();
  }
}
