package dev.hotpath.cache;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An unmodifiable map of a bulk read's answer, in the order its keys were added: two parallel
 * arrays and an open-addressing table of indexes. A read answered whole in process adds tens of
 * thousands of entries; a {@code LinkedHashMap} allocates a node per entry and spent about a third
 * of such a read putting them, this allocates three arrays. Filled by one thread with {@link #add}
 * before it is handed out (safely published by whoever hands it out), read-only after that, so
 * thread-safe for readers. Null keys and values are not allowed.
 */
final class InOrderMap<K, V> extends AbstractMap<K, V> {
  private final Object[] keys;
  private final Object[] values;
  private final int[] hashes;
  /** Index + 1 of the entry in each slot; 0 for an empty slot. Linear probing. */
  private final int[] slots;
  private final int mask;
  private int size;

  /** A map for up to {@code capacity} distinct keys. */
  InOrderMap(int capacity) {
    keys = new Object[capacity];
    values = new Object[capacity];
    hashes = new int[capacity];
    // At most half full, so probes stay short.
    int tableSize = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
    slots = new int[tableSize];
    mask = tableSize - 1;
  }

  private static int spread(int hash) {
    return hash ^ (hash >>> 16);
  }

  /** Adds the entry; false, changing nothing, when {@code key} is already in (the first value stays). */
  boolean add(K key, V value) {
    int hash = spread(key.hashCode());
    int slot = hash & mask;
    for (int at; (at = slots[slot]) != 0; slot = (slot + 1) & mask) {
      int i = at - 1;
      if (hashes[i] == hash && keys[i].equals(key)) {
        return false;
      }
    }
    keys[size] = key;
    values[size] = value;
    hashes[size] = hash;
    slots[slot] = ++size;
    return true;
  }

  private int indexOf(Object key) {
    if (key == null) {
      return -1;
    }
    int hash = spread(key.hashCode());
    for (int slot = hash & mask, at; (at = slots[slot]) != 0; slot = (slot + 1) & mask) {
      int i = at - 1;
      if (hashes[i] == hash && keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : (V) values[i];
  }

  @Override
  @SuppressWarnings("unchecked")
  public void forEach(BiConsumer<? super K, ? super V> action) {
    Objects.requireNonNull(action, "action");
    for (int i = 0; i < size; i++) {
      action.accept((K) keys[i], (V) values[i]);
    }
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Map.Entry<K, V> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new AbstractMap.SimpleImmutableEntry<>((K) keys[i], (V) values[i]);
          }
        };
      }
    };
  }
}
