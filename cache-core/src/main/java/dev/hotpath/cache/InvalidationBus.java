package dev.hotpath.cache;

/**
 * Carries {@link InvalidationEvent}s between the cache instances (nodes) that share tiers. The
 * default, {@link #inProcess()}, connects the caches of one JVM; the Redis bus in cache-redis
 * connects processes.
 *
 * <p>Implementations are thread-safe and never block {@link #publish} on a slow listener: they
 * hand events to their listeners on a thread of their own, through a bounded queue. A bus that
 * can lose events (a disconnect, a gap its log cannot cover, a queue that overflowed) must tell
 * its subscribers through {@link InvalidationListener#onEventsPossiblyLost()}, or {@link
 * InvalidationListener#onEventsPossiblyLost(java.util.Set)} when it knows which namespaces' events
 * it lost.
 *
 * <p>A cache publishes the changes of a namespace with {@link #publish} when another node can hold
 * its keys: the namespace is stored in a tier outside the process, or was built with {@link
 * NamespaceSpec.Builder#crossNodeInvalidation()}. The changes of any other namespace go to {@link
 * #publishLocally}, which reaches this process's listeners only.
 */
public interface InvalidationBus extends AutoCloseable {

  /**
   * Sends {@code event} to every subscriber, on every node, including the publishing node's own
   * (which ignores events of its own origin). Returns without waiting for delivery.
   *
   * @throws NullPointerException if {@code event} is null
   */
  void publish(InvalidationEvent event);

  /**
   * Sends {@code event} to this process's subscribers only: the change of a namespace that no other
   * node can hold, which its listeners (such as those of {@link
   * TieredCache#addInvalidationListener}) still hear of. A bus whose subscribers are all in this
   * process treats it as {@link #publish}; that is the default, which a bus that crosses processes
   * overrides so that such events cost no network traffic.
   *
   * @throws NullPointerException if {@code event} is null
   */
  default void publishLocally(InvalidationEvent event) {
    publish(event);
  }

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
   * A bus that connects the subscribers of this JVM. Share one instance between caches to make them
   * see each other's invalidations.
   *
   * <p>Events are delivered asynchronously, in publication order, on one daemon thread ({@code
   * hotpath-invalidation-N}, started on demand and stopped after 10 s without events), through a
   * queue of at most 10,000 events: {@code publish} never waits for a listener. When the queue is
   * full, the event is dropped instead of blocking the publisher; its namespace and origin are
   * remembered, and once the queue drains every listener receives, for each such namespace and
   * origin, one {@linkplain InvalidationEvent#ofNamespace whole-namespace event} of that origin.
   * Every other cache then drops that namespace's in-process copies, and the cache that made the
   * changes keeps its own (they are current): a slow listener costs other caches misses, never a
   * stale read or a blocked writer. A listener counting events sees such a replacement as one
   * whole-namespace invalidation.
   */
  static InvalidationBus inProcess() {
    return new InProcessInvalidationBus(InProcessInvalidationBus.DEFAULT_CAPACITY);
  }
}
