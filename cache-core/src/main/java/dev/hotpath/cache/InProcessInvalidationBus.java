package dev.hotpath.cache;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link InvalidationBus#inProcess()}: delivery to the listeners of this JVM on a thread of the
 * bus, through a bounded queue; see there for the overflow policy, and for why it replaces dropped
 * events by whole-namespace events rather than calling {@link
 * InvalidationListener#onEventsPossiblyLost(Set)}: that signal has no origin, so the cache that made
 * the changes would drop its own current copies too.
 *
 * <p>One drain runs at a time (the {@code draining} flag), on a pool of at most one thread that
 * ends when idle, so an unused or forgotten bus holds no thread.
 */
final class InProcessInvalidationBus implements InvalidationBus {
  static final int DEFAULT_CAPACITY = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(InProcessInvalidationBus.class);
  /** Events one drain hands over before it makes way for the next (keeps the idle timeout honest). */
  private static final int DRAIN_BATCH = 1024;

  private final CopyOnWriteArrayList<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  /** Events, and the latches of {@link #awaitDelivered}. */
  private final ArrayBlockingQueue<Object> queue;
  /** Namespaces and origins whose events were dropped, not yet replaced by a whole-namespace event. */
  private final Set<Dropped> dropped = ConcurrentHashMap.newKeySet();
  private final LongAdder droppedEvents = new LongAdder();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final ThreadPoolExecutor deliverer;
  private volatile boolean closed;

  InProcessInvalidationBus(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.deliverer =
        new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            TieredCache.daemon("hotpath-invalidation"));
  }

  @Override
  public void publish(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed || listeners.isEmpty()) {
      return;
    }
    if (!queue.offer(event)) {
      droppedEvents.increment();
      dropped.add(new Dropped(event.namespace(), event.origin()));
    }
    drainSoon();
  }

  @Override
  public Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    closed = true;
    listeners.clear();
    queue.clear();
    deliverer.shutdown();
  }

  /** Events dropped because the queue was full. */
  long droppedEvents() {
    return droppedEvents.sum();
  }

  /**
   * Waits until every event published before this call was handed to the listeners (a dropped one
   * as its whole-namespace replacement); for tests, which assert what delivery did. Returns at
   * once when the bus is closed.
   *
   * @throws IllegalStateException when that does not happen within {@code timeoutMillis}
   */
  void awaitDelivered(long timeoutMillis) {
    CountDownLatch delivered = new CountDownLatch(1);
    try {
      if (closed) {
        return;
      }
      if (!queue.offer(delivered, timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the invalidation queue stayed full for " + timeoutMillis + " ms");
      }
      drainSoon();
      if (!delivered.await(timeoutMillis, TimeUnit.MILLISECONDS) && !closed) {
        throw new IllegalStateException("invalidation events were not delivered within " + timeoutMillis + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for delivery", e);
    }
  }

  private void drainSoon() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      deliverer.execute(this::drain);
    } catch (RejectedExecutionException e) {
      draining.set(false); // closed
    }
  }

  private void drain() {
    try {
      for (int i = 0; i < DRAIN_BATCH && !closed; i++) {
        Object next = queue.poll();
        if (next == null) {
          break;
        }
        if (next instanceof InvalidationEvent event) {
          deliver(event);
        } else {
          replaceDropped();
          ((CountDownLatch) next).countDown();
        }
      }
      replaceDropped();
    } finally {
      draining.set(false);
      // Published while this drain was ending: it found the flag set and left the event to us.
      if (!queue.isEmpty() || !dropped.isEmpty()) {
        drainSoon();
      }
    }
  }

  private void deliver(InvalidationEvent event) {
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(event);
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on {}", listener, event, e);
      }
    }
  }

  /**
   * Delivers, for each namespace and origin whose events were dropped, one whole-namespace event
   * of that origin: every other cache drops the namespace's in-process copies, and the cache that
   * made the changes keeps its own, which are current.
   */
  private void replaceDropped() {
    if (dropped.isEmpty()) {
      return;
    }
    Set<Dropped> replaced = Set.copyOf(dropped);
    dropped.removeAll(replaced);
    LOG.warn("the invalidation queue was full (a listener is slow); dropped events are replaced by"
        + " whole-namespace invalidations of {}", replaced);
    for (Dropped d : replaced) {
      deliver(InvalidationEvent.ofNamespace(d.namespace(), d.origin()));
    }
  }

  private record Dropped(String namespace, String origin) {}

  @Override
  public String toString() {
    return "InvalidationBus[in-process, " + listeners.size() + " listeners]";
  }
}
