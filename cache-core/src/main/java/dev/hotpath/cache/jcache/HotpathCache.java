package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSR-107 cache over one Hotpath namespace, which stores {@link StoredEntry StoredEntries}: the
 * JSR-107 operations and their statistics, composed from {@link Entries}. Reads go to the
 * namespace without a lock; every operation that reads and then changes an entry holds the key's
 * lock (see {@link KeyLocks}) from the read to the last event, so it is atomic for this node. The
 * writer is called before the namespace is changed and a failure leaves the entry as it was;
 * listeners are called after, and their failures are thrown once the change is complete. See the
 * package documentation for what this means with shared tiers.
 */
final class HotpathCache<K, V> implements Cache<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(HotpathCache.class);

  private final String name;
  private final HotpathCacheManager manager;
  private final MutableConfiguration<K, V> configuration;
  private final TieredCache tiered;
  private final Namespace<K, StoredEntry<V>> namespace;
  private final boolean storedOutsideProcess;
  private final ExpiryTimes expiry;
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final Copier copier;
  private final Listeners<K, V> listeners;
  private final JCacheStatistics statistics;
  private final ManagementBeans.Configuration configurationBean = new ManagementBeans.Configuration(this);
  private final Entries<K, V> entries;
  private final Executor executor;
  private volatile boolean closed;

  HotpathCache(
      String name,
      HotpathCacheManager manager,
      CompleteConfiguration<K, V> configuration,
      TieredCache tiered,
      Namespace<K, StoredEntry<V>> namespace,
      boolean storedOutsideProcess,
      Copier copier,
      JCacheSettings settings) {
    this.name = name;
    this.manager = manager;
    this.configuration = new MutableConfiguration<>(configuration);
    this.tiered = tiered;
    this.namespace = namespace;
    this.storedOutsideProcess = storedOutsideProcess;
    this.copier = copier;
    this.executor = settings.executor();
    ExpiryPolicy policy = configuration.getExpiryPolicyFactory() == null
        ? new EternalExpiryPolicy()
        : configuration.getExpiryPolicyFactory().create();
    this.expiry = new ExpiryTimes(policy, settings.clock());
    this.loader = configuration.getCacheLoaderFactory() == null ? null : configuration.getCacheLoaderFactory().create();
    this.writer = configuration.isWriteThrough() && configuration.getCacheWriterFactory() != null
        ? writerOf(configuration)
        : null;
    this.statistics = new JCacheStatistics(() -> namespace.stats().evictions());
    this.listeners = new Listeners<>(this, executor);
    this.entries = new Entries<>(namespace, storedOutsideProcess, expiry, copier, listeners, statistics, writer);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      listeners.register(listener);
    }
  }

  /** The configured writer, typed as the cache is (it accepts the cache's keys and values, or supertypes). */
  @SuppressWarnings("unchecked")
  private static <K, V> CacheWriter<K, V> writerOf(CompleteConfiguration<K, V> configuration) {
    return (CacheWriter<K, V>) configuration.getCacheWriterFactory().create();
  }

  /** Applies the configuration's management and statistics flags; called once the manager holds the cache. */
  void start() {
    enableStatistics(configuration.isStatisticsEnabled());
    enableManagement(configuration.isManagementEnabled());
  }

  // ---- reads

  @Override
  public V get(K key) {
    checkOpen();
    requireKey(key); // before any tier sees the key; free for a cache kept only in process
    // The hit path is the one every JCache user pays: with statistics off (JSR-107's default) it
    // reads the flag once and does no other bookkeeping.
    if (!statistics.isEnabled()) {
      StoredEntry<V> entry = entries.live(key);
      if (entry != null) {
        expiry.touch(entry);
        return copier.copyValue(entry.value());
      }
      return isReadThrough() ? loadAndStore(key) : null;
    }
    long start = statistics.start();
    StoredEntry<V> entry = entries.live(key);
    V value;
    if (entry != null) {
      expiry.touch(entry);
      statistics.recordHits(1);
      value = copier.copyValue(entry.value());
    } else {
      statistics.recordMisses(1);
      value = isReadThrough() ? loadAndStore(key) : null;
    }
    statistics.recordGetTime(start);
    return value;
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    checkOpen();
    requireKeys(keys);
    long start = statistics.start();
    Map<K, StoredEntry<V>> found = entries.readAll(keys);
    Map<K, V> result = new LinkedHashMap<>(keys.size() * 2);
    Set<K> missing = new LinkedHashSet<>();
    for (K key : keys) {
      StoredEntry<V> entry = found.get(key);
      if (entry != null && entries.expired(entry)) {
        entries.expire(key);
        entry = null;
      }
      if (entry != null) {
        expiry.touch(entry);
        result.put(copier.copyKey(key), copier.copyValue(entry.value()));
      } else {
        missing.add(key);
      }
    }
    statistics.recordHits(result.size());
    statistics.recordMisses(missing.size());
    if (isReadThrough() && !missing.isEmpty()) {
      loadAllAndStore(missing, false).forEach((k, v) -> result.put(copier.copyKey(k), v));
    }
    statistics.recordGetTime(start);
    return result;
  }

  @Override
  public boolean containsKey(K key) {
    checkOpen();
    requireKey(key);
    return entries.live(key) != null;
  }


  // ---- read-through

  private boolean isReadThrough() {
    return loader != null && configuration.isReadThrough();
  }

  /** Loads {@code key} with {@code loader}, wrapping what it throws as JSR-107 asks. */
  static <K, V> V load(CacheLoader<K, V> loader, K key) {
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheLoaderException("the cache loader failed for " + key, e);
    }
  }

  /** A read-through miss: loads and stores the key unless another caller did meanwhile. */
  private V loadAndStore(K key) {
    Failures failures = new Failures();
    V value;
    ReentrantLock lock = entries.lock(key);
    try {
      StoredEntry<V> entry = entries.current(key, failures);
      if (entry != null) {
        value = copier.copyValue(entry.value());
      } else {
        value = load(loader, key);
        if (value != null) {
          entries.storeNew(key, value, failures);
        }
      }
    } finally {
      lock.unlock();
    }
    failures.throwIfAny();
    return value;
  }

  /**
   * Loads {@code keys} in one call and stores what the loader returned: replacing what the cache
   * holds, or only where it holds nothing. Returns what was loaded (null keys and values dropped).
   */
  private Map<K, V> loadAllAndStore(Set<? extends K> keys, boolean replace) {
    Map<K, V> loaded;
    try {
      loaded = loader.loadAll(keys);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheLoaderException("the cache loader failed for " + keys, e);
    }
    Map<K, V> result = new LinkedHashMap<>();
    Failures failures = new Failures();
    if (loaded != null) {
      loaded.forEach((key, value) -> {
        if (key == null || value == null) {
          return;
        }
        result.put(key, value);
        ReentrantLock lock = entries.lock(key);
        try {
          StoredEntry<V> entry = entries.current(key, failures);
          if (entry == null) {
            entries.storeNew(key, value, failures);
          } else if (replace) {
            entries.storeUpdate(key, value, entry, failures);
          }
        } finally {
          lock.unlock();
        }
      });
    }
    failures.throwIfAny();
    return result;
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
    checkOpen();
    requireKeys(keys);
    CompletionListener done = completionListener != null ? completionListener : NO_LISTENER;
    if (loader == null) {
      done.onCompletion();
      return;
    }
    Set<K> toLoad = new LinkedHashSet<>(keys);
    Runnable task = () -> {
      try {
        Set<K> absent = new LinkedHashSet<>();
        for (K key : toLoad) {
          if (replaceExistingValues || entries.live(key) == null) {
            absent.add(key);
          }
        }
        if (!absent.isEmpty()) {
          loadAllAndStore(absent, replaceExistingValues);
        }
        done.onCompletion();
      } catch (CacheLoaderException e) {
        done.onException(e);
      } catch (RuntimeException e) {
        done.onException(new CacheLoaderException(e));
      }
    };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      done.onException(new CacheLoaderException("no thread to load on", e));
    }
  }

  private static final CompletionListener NO_LISTENER = new CompletionListener() {
    @Override
    public void onCompletion() {}

    @Override
    public void onException(Exception e) {}
  };

  // ---- writes


  @Override
  public void put(K key, V value) {
    checkOpen();
    requireEntry(key, value);
    long start = statistics.start();
    Failures failures = new Failures();
    boolean[] stored = {false};
    ReentrantLock lock = entries.lock(key);
    try {
      entries.write(key, value);
      entries.store(key, value, failures, stored);
    } finally {
      lock.unlock();
    }
    if (stored[0]) {
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
    }
    failures.throwIfAny();
  }

  @Override
  public V getAndPut(K key, V value) {
    checkOpen();
    requireEntry(key, value);
    long start = statistics.start();
    Failures failures = new Failures();
    boolean[] stored = {false};
    StoredEntry<V> old;
    ReentrantLock lock = entries.lock(key);
    try {
      entries.write(key, value);
      old = entries.store(key, value, failures, stored);
    } finally {
      lock.unlock();
    }
    if (old == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
    }
    if (stored[0]) {
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
    }
    statistics.recordGetTime(start);
    failures.throwIfAny();
    return old == null ? null : copier.copyValue(old.value());
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    checkOpen();
    Objects.requireNonNull(map, "map");
    map.forEach(this::requireEntry);
    long start = statistics.start();
    RuntimeException writeFailure = null;
    Set<Object> unwritten = Set.of();
    if (writer != null && !map.isEmpty()) {
      List<Cache.Entry<? extends K, ? extends V>> batch = new ArrayList<>(map.size());
      map.forEach((k, v) -> batch.add(new HotpathEntry<>(k, v)));
      try {
        writer.writeAll(batch);
      } catch (RuntimeException e) {
        // The writer leaves in the list the entries it did not write: those are not cached.
        writeFailure = e instanceof CacheWriterException ? e : new CacheWriterException("the cache writer failed", e);
        unwritten = new HashSet<>();
        for (Cache.Entry<? extends K, ? extends V> e2 : batch) {
          unwritten.add(e2.getKey());
        }
      }
    }
    Failures failures = new Failures();
    if (writeFailure != null) {
      failures.add(writeFailure);
    }
    int puts = 0;
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      if (unwritten.contains(e.getKey())) {
        continue;
      }
      boolean[] stored = {false};
      ReentrantLock lock = entries.lock(e.getKey());
      try {
        entries.store(e.getKey(), e.getValue(), failures, stored);
      } finally {
        lock.unlock();
      }
      puts += stored[0] ? 1 : 0;
    }
    if (puts > 0) {
      statistics.recordPuts(puts);
      statistics.recordPutTime(start);
    }
    failures.throwIfAny();
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    checkOpen();
    requireEntry(key, value);
    long start = statistics.start();
    Failures failures = new Failures();
    boolean stored = false;
    StoredEntry<V> old;
    ReentrantLock lock = entries.lock(key);
    try {
      old = entries.current(key, failures);
      if (old == null) {
        entries.write(key, value);
        stored = entries.storeNew(key, value, failures);
      }
    } finally {
      lock.unlock();
    }
    if (old == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
    }
    if (stored) {
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
    }
    failures.throwIfAny();
    return stored;
  }

  @Override
  public boolean remove(K key) {
    checkOpen();
    requireKey(key);
    long start = statistics.start();
    Failures failures = new Failures();
    StoredEntry<V> old;
    ReentrantLock lock = entries.lock(key);
    try {
      entries.delete(key);
      old = entries.current(key, failures);
      if (old != null) {
        entries.removeHeld(key, old, failures);
      }
    } finally {
      lock.unlock();
    }
    if (old != null) {
      statistics.recordRemovals(1);
      statistics.recordRemoveTime(start);
    }
    failures.throwIfAny();
    return old != null;
  }

  @Override
  public boolean remove(K key, V oldValue) {
    checkOpen();
    requireEntry(key, oldValue);
    long start = statistics.start();
    Failures failures = new Failures();
    StoredEntry<V> held;
    boolean removed = false;
    ReentrantLock lock = entries.lock(key);
    try {
      held = entries.current(key, failures);
      if (held != null && oldValue.equals(held.value())) {
        entries.delete(key);
        entries.removeHeld(key, held, failures);
        removed = true;
      } else if (held != null) {
        expiry.touch(held);
      }
    } finally {
      lock.unlock();
    }
    if (held == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
    }
    if (removed) {
      statistics.recordRemovals(1);
      statistics.recordRemoveTime(start);
    }
    failures.throwIfAny();
    return removed;
  }

  @Override
  public V getAndRemove(K key) {
    checkOpen();
    requireKey(key);
    long start = statistics.start();
    Failures failures = new Failures();
    StoredEntry<V> old;
    ReentrantLock lock = entries.lock(key);
    try {
      entries.delete(key);
      old = entries.current(key, failures);
      if (old != null) {
        entries.removeHeld(key, old, failures);
      }
    } finally {
      lock.unlock();
    }
    if (old == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
      statistics.recordRemovals(1);
      statistics.recordRemoveTime(start);
    }
    statistics.recordGetTime(start);
    failures.throwIfAny();
    return old == null ? null : copier.copyValue(old.value());
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    checkOpen();
    requireEntry(key, oldValue);
    Objects.requireNonNull(newValue, "newValue");
    long start = statistics.start();
    Failures failures = new Failures();
    StoredEntry<V> held;
    boolean replaced = false;
    ReentrantLock lock = entries.lock(key);
    try {
      held = entries.current(key, failures);
      if (held != null && oldValue.equals(held.value())) {
        entries.write(key, newValue);
        entries.storeUpdate(key, newValue, held, failures);
        replaced = true;
      } else if (held != null) {
        expiry.touch(held);
      }
    } finally {
      lock.unlock();
    }
    if (held == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
    }
    if (replaced) {
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
    }
    statistics.recordGetTime(start);
    failures.throwIfAny();
    return replaced;
  }

  @Override
  public boolean replace(K key, V value) {
    return replaceHeld(key, value) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    StoredEntry<V> old = replaceHeld(key, value);
    return old == null ? null : copier.copyValue(old.value());
  }

  /** Replaces the key's value if the cache holds one; returns the entry replaced, or null. */
  private StoredEntry<V> replaceHeld(K key, V value) {
    checkOpen();
    requireEntry(key, value);
    long start = statistics.start();
    Failures failures = new Failures();
    StoredEntry<V> old;
    ReentrantLock lock = entries.lock(key);
    try {
      old = entries.current(key, failures);
      if (old != null) {
        entries.write(key, value);
        entries.storeUpdate(key, value, old, failures);
      }
    } finally {
      lock.unlock();
    }
    if (old == null) {
      statistics.recordMisses(1);
    } else {
      statistics.recordHits(1);
      statistics.recordPuts(1);
      statistics.recordPutTime(start);
    }
    statistics.recordGetTime(start);
    failures.throwIfAny();
    return old;
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    checkOpen();
    requireKeys(keys);
    removeKeys(new LinkedHashSet<>(keys));
  }

  /** Removes {@code keys} through the writer; returns whether the writer refused none. */
  private boolean removeKeys(Set<K> keys) {
    long start = statistics.start();
    Failures failures = new Failures();
    Set<Object> undeleted = Set.of();
    if (writer != null && !keys.isEmpty()) {
      Collection<Object> toDelete = new LinkedHashSet<>(keys);
      try {
        writer.deleteAll(toDelete);
      } catch (RuntimeException e) {
        // The writer leaves in the collection the keys it did not delete: those stay cached.
        failures.add(e instanceof CacheWriterException ? e : new CacheWriterException("the cache writer failed", e));
        undeleted = new HashSet<>(toDelete);
      }
    }
    int removals = 0;
    for (K key : keys) {
      if (undeleted.contains(key)) {
        continue;
      }
      ReentrantLock lock = entries.lock(key);
      try {
        StoredEntry<V> held = entries.current(key, failures);
        if (held != null) {
          entries.removeHeld(key, held, failures);
          removals++;
        }
      } finally {
        lock.unlock();
      }
    }
    if (removals > 0) {
      statistics.recordRemovals(removals);
      statistics.recordRemoveTime(start);
    }
    boolean allDeleted = undeleted.isEmpty();
    failures.throwIfAny();
    return allDeleted;
  }

  /**
   * Removes the entries held in process one by one (writer, listeners and statistics see each),
   * then, for a cache stored outside the process, clears the shared tiers of the entries only
   * they hold, which no listener or writer hears of: tiers are not scanned key by key.
   */
  @Override
  public void removeAll() {
    checkOpen();
    boolean allDeleted = removeKeys(new LinkedHashSet<>(namespace.inProcessKeys()));
    if (allDeleted && storedOutsideProcess) {
      namespace.invalidateAll();
    }
  }

  /** Empties every tier of the cache, on every node, without telling writer, listeners or statistics. */
  @Override
  public void clear() {
    checkOpen();
    namespace.invalidateAll();
  }

  // ---- entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    requireKey(key);
    Objects.requireNonNull(processor, "entryProcessor");
    Objects.requireNonNull(arguments, "arguments");
    long start = statistics.start();
    Failures failures = new Failures();
    T result;
    ReentrantLock lock = entries.lock(key);
    try {
      StoredEntry<V> held = entries.current(key, failures);
      if (held == null) {
        statistics.recordMisses(1);
      } else {
        statistics.recordHits(1);
      }
      ProcessorEntry<K, V> entry = new ProcessorEntry<>(
          key, held == null ? null : copier.copyValue(held.value()), isReadThrough() ? loader : null);
      try {
        result = processor.process(entry, arguments);
        apply(entry, held, failures);
      } catch (EntryProcessorException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException(e);
      }
    } finally {
      lock.unlock();
    }
    statistics.recordGetTime(start);
    failures.throwIfAny();
    return result;
  }

  /** Applies what an entry processor did; the caller holds the key's lock. */
  private void apply(ProcessorEntry<K, V> entry, StoredEntry<V> held, Failures failures) {
    K key = entry.getKey();
    switch (entry.action()) {
      case NONE -> {}
      case READ -> expiry.touch(held);
      case LOADED -> entries.storeNew(key, entry.value(), failures);
      case CREATED -> {
        entries.write(key, entry.value());
        if (entries.storeNew(key, entry.value(), failures)) {
          statistics.recordPuts(1);
        }
      }
      case UPDATED -> {
        entries.write(key, entry.value());
        entries.storeUpdate(key, entry.value(), held, failures);
        statistics.recordPuts(1);
      }
      case DELETED -> {
        entries.delete(key);
        if (held != null) {
          entries.removeHeld(key, held, failures);
          statistics.recordRemovals(1);
        }
      }
    }
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(
      Set<? extends K> keys, EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    requireKeys(keys);
    Objects.requireNonNull(processor, "entryProcessor");
    Objects.requireNonNull(arguments, "arguments");
    Map<K, EntryProcessorResult<T>> results = new HashMap<>();
    for (K key : keys) {
      try {
        T result = invoke(key, processor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (EntryProcessorException e) {
        results.put(key, () -> {
          throw e;
        });
      } catch (RuntimeException e) {
        EntryProcessorException wrapped = new EntryProcessorException(e);
        results.put(key, () -> {
          throw wrapped;
        });
      }
    }
    return results;
  }

  // ---- iteration

  /**
   * Iterates over the entries this node holds in process (a snapshot of their keys, each read when
   * reached); entries only a shared tier holds are not visited. {@code remove()} removes through
   * {@link #remove(Object)}.
   */
  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    checkOpen();
    Iterator<K> keys = namespace.inProcessKeys().iterator();
    return new Iterator<>() {
      private Cache.Entry<K, V> next;
      private K last;

      @Override
      public boolean hasNext() {
        while (next == null && keys.hasNext()) {
          K key = keys.next();
          StoredEntry<V> entry = namespace.getIfPresent(key);
          if (entry != null && !entries.expired(entry)) {
            expiry.touch(entry);
            next = new HotpathEntry<>(copier.copyKey(key), copier.copyValue(entry.value()));
          }
        }
        return next != null;
      }

      @Override
      public Cache.Entry<K, V> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Cache.Entry<K, V> entry = next;
        next = null;
        last = entry.getKey();
        statistics.recordHits(1);
        return entry;
      }

      @Override
      public void remove() {
        if (last == null) {
          throw new IllegalStateException("next() was not called, or remove() was called after it already");
        }
        HotpathCache.this.remove(last);
        last = null;
      }
    };
  }

  // ---- configuration, listeners, management

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    MutableConfiguration<K, V> snapshot = configurationSnapshot();
    if (clazz.isInstance(snapshot)) {
      return clazz.cast(snapshot);
    }
    throw new IllegalArgumentException("the configuration is not a " + clazz.getName());
  }

  /** A copy of the configuration, which listener registrations and flags change. */
  MutableConfiguration<K, V> configurationSnapshot() {
    synchronized (configuration) {
      return new MutableConfiguration<>(configuration);
    }
  }

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      checkOpen();
      // Throws IllegalArgumentException for a configuration registered already.
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
      listeners.register(listenerConfiguration);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    Objects.requireNonNull(listenerConfiguration, "cacheEntryListenerConfiguration");
    synchronized (configuration) {
      checkOpen();
      configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
      listeners.deregister(listenerConfiguration);
    }
  }

  void enableStatistics(boolean enabled) {
    synchronized (configuration) {
      checkOpen();
      if (enabled) {
        ManagementBeans.register(this, ManagementBeans.Kind.STATISTICS, statistics);
      } else {
        ManagementBeans.unregister(this, ManagementBeans.Kind.STATISTICS);
      }
      statistics.enable(enabled);
      configuration.setStatisticsEnabled(enabled);
    }
  }

  void enableManagement(boolean enabled) {
    synchronized (configuration) {
      checkOpen();
      if (enabled) {
        ManagementBeans.register(this, ManagementBeans.Kind.CONFIGURATION, configurationBean);
      } else {
        ManagementBeans.unregister(this, ManagementBeans.Kind.CONFIGURATION);
      }
      configuration.setManagementEnabled(enabled);
    }
  }

  JCacheStatistics statistics() {
    return statistics;
  }

  TieredCache tieredCache() {
    return tiered;
  }

  // ---- lifecycle

  @Override
  public String getName() {
    return name;
  }

  @Override
  public CacheManager getCacheManager() {
    return manager;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /**
   * Closes the cache: the manager forgets it, its MXBeans go, and its namespace's in-process
   * entries with it; shared tiers keep theirs. Closes the loader, writer, expiry policy and
   * listeners that are {@link AutoCloseable}. Idempotent.
   */
  @Override
  public void close() {
    synchronized (configuration) {
      if (closed) {
        return;
      }
      ManagementBeans.unregister(this, ManagementBeans.Kind.STATISTICS);
      ManagementBeans.unregister(this, ManagementBeans.Kind.CONFIGURATION);
      closed = true;
    }
    manager.forget(this);
    tiered.close();
    closeQuietly(loader);
    closeQuietly(writer);
    closeQuietly(expiry.policy());
    listeners.close();
  }

  static void closeQuietly(Object resource) {
    if (resource instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", resource, e);
      }
    }
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("a Hotpath JCache cache does not unwrap to " + clazz.getName());
  }

  // ---- checks

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the cache '" + name + "' is closed");
    }
  }

  /**
   * Null and size checks of every key before any is used, so that a key the namespace refuses
   * reaches no writer, loader or listener, and a bulk call changes nothing when one key is refused.
   */
  private void requireKeys(Set<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    for (K key : keys) {
      Objects.requireNonNull(key, "a key in keys");
    }
    for (K key : keys) {
      namespace.checkKeySize(key);
    }
  }

  /** Null and size checks of a key (see {@link #requireKeys}). */
  private void requireKey(K key) {
    Objects.requireNonNull(key, "key");
    namespace.checkKeySize(key);
  }

  /**
   * Null checks, for a typed cache the type checks JSR-107 allows and the RI makes, then the key's
   * size (see {@link #requireKeys}).
   */
  private void requireEntry(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Class<K> keyType = configuration.getKeyType();
    if (keyType != Object.class && !keyType.isInstance(key)) {
      throw new ClassCastException("the cache '" + name + "' holds " + keyType.getName() + " keys, not " + key.getClass().getName());
    }
    Class<V> valueType = configuration.getValueType();
    if (valueType != Object.class && !valueType.isInstance(value)) {
      throw new ClassCastException(
          "the cache '" + name + "' holds " + valueType.getName() + " values, not " + value.getClass().getName());
    }
    namespace.checkKeySize(key);
  }

  @Override
  public String toString() {
    return "HotpathCache[" + name + ", " + namespace + "]";
  }
}
