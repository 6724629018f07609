package dev.hotpath.cache;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
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
    this(new Object[capacity], new Object[capacity], new int[capacity], newTable(capacity), 0);
  }

  private InOrderMap(Object[] keys, Object[] values, int[] hashes, int[] slots, int size) {
    this.keys = keys;
    this.values = values;
    this.hashes = hashes;
    this.slots = slots;
    this.mask = slots.length - 1;
    this.size = size;
  }

  private static int[] newTable(int capacity) {
    // At most half full, so probes stay short.
    return new int[Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1];
  }

  /**
   * The distinct keys of {@code keys}, first occurrences in order, each mapped to itself for now:
   * the index of a bulk read of a collection that may repeat keys, which the answer reuses through
   * {@link #withValues} instead of hashing every key a second time. Cheaper than a {@code
   * LinkedHashSet}, which allocates a node per key.
   */
  @SuppressWarnings("unchecked")
  static <K> InOrderMap<K, K> distinctKeys(Collection<? extends K> keys) {
    // One snapshot: a collection that changes meanwhile (a concurrent one) cannot outgrow the arrays.
    Object[] given = keys.toArray();
    InOrderMap<K, K> index = new InOrderMap<>(given.length);
    for (Object key : given) {
      index.add((K) key, (K) key);
    }
    return index;
  }

  /** The keys, in order, in the array's first {@link #size()} slots; not to be changed. */
  Object[] keyArray() {
    return keys;
  }

  /**
   * This map's keys, each with the value at its index in {@code values} (none null; at least
   * {@link #size()} of them). Shares this map's arrays: this map is not used after.
   */
  <V> InOrderMap<K, V> withValues(Object[] values) {
    return new InOrderMap<>(keys, values, hashes, slots, size);
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
