package dev.hotpath.cache.jcache;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry listeners of one cache. An operation publishes its events while it holds the key's
 * lock: synchronous listeners run there, in the caller's thread, so they see one key's events in
 * the order of the changes and before the operation returns; asynchronous ones are handed to the
 * executor through one queue per listener, which keeps that order too. Only this node's
 * operations make events: a change made on another node reaches this one as a Hotpath
 * invalidation, not as a JSR-107 event.
 */
final class Listeners<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final Cache<K, V> source;
  private final Executor executor;
  private final List<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();

  Listeners(Cache<K, V> source, Executor executor) {
    this.source = source;
    this.executor = executor;
  }

  void register(CacheEntryListenerConfiguration<K, V> configuration) {
    registrations.add(new Registration<>(configuration, executor));
  }

  void deregister(CacheEntryListenerConfiguration<K, V> configuration) {
    registrations.removeIf(r -> r.configuration.equals(configuration));
  }

  /** Whether no listener is registered: then operations need not build events. */
  boolean isEmpty() {
    return registrations.isEmpty();
  }

  void created(K key, V value, Failures failures) {
    publish(EventType.CREATED, key, value, null, failures);
  }

  void updated(K key, V value, V oldValue, Failures failures) {
    publish(EventType.UPDATED, key, value, oldValue, failures);
  }

  void removed(K key, V oldValue, Failures failures) {
    publish(EventType.REMOVED, key, oldValue, oldValue, failures);
  }

  void expired(K key, V oldValue, Failures failures) {
    publish(EventType.EXPIRED, key, oldValue, oldValue, failures);
  }

  private void publish(EventType type, K key, V value, V oldValue, Failures failures) {
    EntryEvent<K, V> event = null;
    for (Registration<K, V> r : registrations) {
      if (!r.hears(type)) {
        continue;
      }
      // The old value is given whether or not the listener asked for it: JSR-107 allows that,
      // and for removals and expiries it is the event's value anyway.
      event = event != null ? event : new EntryEvent<>(source, type, key, value, oldValue, oldValue != null);
      EntryEvent<K, V> delivered = event;
      if (r.configuration.isSynchronous()) {
        try {
          r.deliver(delivered);
        } catch (CacheEntryListenerException | Error e) {
          failures.add(e);
        } catch (RuntimeException e) {
          failures.add(new CacheEntryListenerException("listener " + r.listener + " failed on " + delivered, e));
        }
      } else {
        r.queue.execute(() -> {
          try {
            r.deliver(delivered);
          } catch (RuntimeException e) {
            LOG.warn("asynchronous listener {} failed on {}", r.listener, delivered, e);
          }
        });
      }
    }
  }

  /** Closes the listeners and filters that are {@link AutoCloseable}. */
  void close() {
    for (Registration<K, V> r : registrations) {
      HotpathCache.closeQuietly(r.listener);
      HotpathCache.closeQuietly(r.filter);
    }
  }

  private static final class Registration<K, V> {
    final CacheEntryListenerConfiguration<K, V> configuration;
    final CacheEntryListener<? super K, ? super V> listener;
    final CacheEntryEventFilter<? super K, ? super V> filter;
    final SerialQueue queue;

    Registration(CacheEntryListenerConfiguration<K, V> configuration, Executor executor) {
      this.configuration = configuration;
      this.listener = Objects.requireNonNull(
          configuration.getCacheEntryListenerFactory().create(), "the listener factory returned null");
      Factory<CacheEntryEventFilter<? super K, ? super V>> filters = configuration.getCacheEntryEventFilterFactory();
      this.filter = filters == null ? null : filters.create();
      this.queue = configuration.isSynchronous() ? null : new SerialQueue(executor);
    }

    boolean hears(EventType type) {
      return switch (type) {
        case CREATED -> listener instanceof CacheEntryCreatedListener;
        case UPDATED -> listener instanceof CacheEntryUpdatedListener;
        case REMOVED -> listener instanceof CacheEntryRemovedListener;
        case EXPIRED -> listener instanceof CacheEntryExpiredListener;
      };
    }

    @SuppressWarnings("unchecked")
    void deliver(EntryEvent<K, V> event) {
      if (filter != null && !((CacheEntryEventFilter<K, V>) filter).evaluate(event)) {
        return;
      }
      List<CacheEntryEvent<? extends K, ? extends V>> events = List.of(event);
      switch (event.getEventType()) {
        case CREATED -> ((CacheEntryCreatedListener<K, V>) listener).onCreated(events);
        case UPDATED -> ((CacheEntryUpdatedListener<K, V>) listener).onUpdated(events);
        case REMOVED -> ((CacheEntryRemovedListener<K, V>) listener).onRemoved(events);
        case EXPIRED -> ((CacheEntryExpiredListener<K, V>) listener).onExpired(events);
      }
    }
  }

  /** Runs its tasks one at a time, in submission order, on a shared executor. */
  private static final class SerialQueue implements Executor {
    private final Executor executor;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialQueue(Executor executor) {
      this.executor = executor;
    }

    @Override
    public void execute(Runnable task) {
      synchronized (tasks) {
        tasks.add(task);
        if (running) {
          return;
        }
        running = true;
      }
      executor.execute(this::drain);
    }

    private void drain() {
      while (true) {
        Runnable next;
        synchronized (tasks) {
          next = tasks.poll();
          if (next == null) {
            running = false;
            return;
          }
        }
        next.run();
      }
    }
  }
}
