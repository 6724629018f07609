package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.InvalidationListener;
import dev.hotpath.cache.Subscription;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscribers of a {@link RedisInvalidationBus} and what they have been told. Every part of the
 * bus (the log follower, client tracking, the bus's own reconcile) hands its events here and
 * reports here when events may have been missed; this class exists so that "a loss is told once
 * per bus task, however many parts found one" and "a failing listener never stops the others" are
 * written once. Logs under the bus's name.
 *
 * <p>Bus thread only, apart from {@link #add} and the counters.
 */
final class BusSubscribers {
  private static final Logger LOG = LoggerFactory.getLogger(RedisInvalidationBus.class);

  private final CopyOnWriteArrayList<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder possiblyLost = new LongAdder();
  /** Why events may have been missed in the running bus task; bus thread only. */
  private String lostReason;
  /** Whether events of any namespace may have been missed in it; else only {@link #lostNamespaces}. */
  private boolean lostAll;
  /** The namespaces whose events may have been missed in it; bus thread only. */
  private final Set<String> lostNamespaces = new TreeSet<>();

  /** Adds {@code listener}; closing the result removes it. */
  Subscription add(InvalidationListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void clear() {
    listeners.clear();
  }

  int size() {
    return listeners.size();
  }

  /**
   * Hands {@code event} to every subscriber. Every cache gets every record, its own included; each
   * ignores its own origin (see {@link RedisInvalidationBus}).
   */
  void deliver(InvalidationEvent event) {
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(event);
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on {}", listener, event, e);
      }
    }
    delivered.increment();
  }

  /**
   * Notes that events of any namespace may have been missed (the log could not cover a gap);
   * subscribers are told once, when the current bus task ends ({@link #flushLost}), however many
   * shards found a gap in it.
   */
  void lost(String why) {
    note(why);
    lostAll = true;
  }

  /** Notes that events of {@code namespaces} only may have been missed; see {@link #lost(String)}. */
  void lost(String why, Set<String> namespaces) {
    if (namespaces.isEmpty()) {
      return;
    }
    note(why);
    lostNamespaces.addAll(namespaces);
  }

  private void note(String why) {
    if (lostReason == null) {
      lostReason = why;
    }
  }

  /**
   * Tells the subscribers of a loss noted in this bus task, if any: {@link
   * InvalidationListener#onEventsPossiblyLost()} when it may touch any namespace, else {@link
   * InvalidationListener#onEventsPossiblyLost(Set)} with the namespaces it may touch.
   */
  void flushLost() {
    String why = lostReason;
    if (why == null) {
      return;
    }
    boolean all = lostAll;
    Set<String> namespaces = Set.copyOf(lostNamespaces);
    lostReason = null;
    lostAll = false;
    lostNamespaces.clear();
    LOG.warn("invalidations may have been missed: {}; clearing in-process entries of {}",
        why, all ? "the namespaces shared across nodes" : namespaces);
    for (InvalidationListener listener : listeners) {
      try {
        if (all) {
          listener.onEventsPossiblyLost();
        } else {
          listener.onEventsPossiblyLost(namespaces);
        }
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on events lost", listener, e);
      }
    }
    // Counted once the listeners have cleared their copies, so the count means "handled".
    possiblyLost.increment();
  }

  long delivered() {
    return delivered.sum();
  }

  long possiblyLost() {
    return possiblyLost.sum();
  }
}
