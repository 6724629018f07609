package dev.hotpath.cache;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A read-only set view of some of a bulk read's keys, those at {@code indexes[0, count)} of its key
 * array, which are distinct: how a bulk read hands the keys it still has to read to a tier without
 * copying them into a hash set. {@link #contains} is a linear scan; tiers iterate the keys. Valid
 * while the caller leaves the arrays alone (a tier is done with its keys when its call returns).
 * Not thread-safe.
 */
final class IndexedKeys<K> extends AbstractSet<K> {
  private final Object[] keys;
  private final int[] indexes;
  private final int count;

  IndexedKeys(Object[] keys, int[] indexes, int count) {
    this.keys = keys;
    this.indexes = indexes;
    this.count = count;
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public Iterator<K> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < count;
      }

      @Override
      @SuppressWarnings("unchecked")
      public K next() {
        if (next >= count) {
          throw new NoSuchElementException();
        }
        return (K) keys[indexes[next++]];
      }
    };
  }
}
