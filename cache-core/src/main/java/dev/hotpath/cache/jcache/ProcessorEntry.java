package dev.hotpath.cache.jcache;

import java.util.Objects;
import javax.cache.integration.CacheLoader;
import javax.cache.processor.MutableEntry;

/**
 * The entry an {@code EntryProcessor} works on: a private view of the key's entry whose outcome
 * ({@link #action()}) the cache applies when the processor returns, while it still holds the key's
 * lock. A read-through cache loads the value on the first {@link #getValue()} of an absent entry.
 */
final class ProcessorEntry<K, V> implements MutableEntry<K, V> {
  /** What the processor did to the entry, as far as the cache must act on it. */
  enum Action {
    NONE,
    READ,
    LOADED,
    CREATED,
    UPDATED,
    DELETED
  }

  private final K key;
  private final boolean existed;
  private CacheLoader<K, V> loader;
  private V value;
  private Action action = Action.NONE;

  /**
   * @param value the entry's value, or null when absent
   * @param loader the read-through loader, or null
   */
  ProcessorEntry(K key, V value, CacheLoader<K, V> loader) {
    this.key = key;
    this.value = value;
    this.existed = value != null;
    this.loader = loader;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    if (action != Action.NONE) {
      return value;
    }
    if (value != null) {
      action = Action.READ;
    } else if (loader != null) {
      value = HotpathCache.load(loader, key);
      loader = null;
      if (value != null) {
        action = Action.LOADED;
      }
    }
    return value;
  }

  @Override
  public boolean exists() {
    return action == Action.NONE ? existed : value != null;
  }

  @Override
  public void remove() {
    action = action == Action.CREATED ? Action.NONE : Action.DELETED;
    value = null;
  }

  @Override
  public void setValue(V value) {
    Objects.requireNonNull(value, "value");
    if (action != Action.CREATED) {
      action = existed ? Action.UPDATED : Action.CREATED;
    }
    this.value = value;
  }

  Action action() {
    return action;
  }

  /** The value the processor left, or null. */
  V value() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("a mutable entry does not unwrap to " + clazz.getName());
  }

  @Override
  public String toString() {
    return key + "=" + value + " (" + action + ")";
  }
}
