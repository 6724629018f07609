package dev.hotpath.cache.jcache;

import javax.cache.Cache;

/** A key and value handed out by the iterator or to a {@code CacheWriter}. Immutable. */
final class HotpathEntry<K, V> implements Cache.Entry<K, V> {
  private final K key;
  private final V value;

  HotpathEntry(K key, V value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("a cache entry does not unwrap to " + clazz.getName());
  }

  @Override
  public String toString() {
    return key + "=" + value;
  }
}
