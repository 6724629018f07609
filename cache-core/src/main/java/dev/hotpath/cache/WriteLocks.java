package dev.hotpath.cache;

import java.util.BitSet;
import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks that make a node's changes to a key (put, invalidate) and its loads' write-backs
 * of that key mutually exclusive, so a write-back checks "did the key change since I read it?"
 * and writes with no change slipping in between. Keys of different stripes do not wait for each
 * other; in-process hits never take them. Several stripes are always taken in index order, so
 * holders of several cannot deadlock.
 */
final class WriteLocks {
  private static final int STRIPES = 64;

  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  WriteLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /** Locks the stripe of {@code key}; returns the handle to unlock. */
  Held lock(Object key) {
    BitSet stripes = new BitSet(STRIPES);
    stripes.set(stripe(key));
    return lock(stripes);
  }

  /** Locks the stripes of all {@code keys}, in index order. */
  Held lock(Collection<?> keys) {
    BitSet stripes = new BitSet(STRIPES);
    for (Object key : keys) {
      stripes.set(stripe(key));
    }
    return lock(stripes);
  }

  /** Locks every stripe, for changes to the whole namespace. */
  Held lockAll() {
    BitSet stripes = new BitSet(STRIPES);
    stripes.set(0, STRIPES);
    return lock(stripes);
  }

  private Held lock(BitSet stripes) {
    for (int i = stripes.nextSetBit(0); i >= 0; i = stripes.nextSetBit(i + 1)) {
      locks[i].lock();
    }
    return () -> {
      for (int i = stripes.nextSetBit(0); i >= 0; i = stripes.nextSetBit(i + 1)) {
        locks[i].unlock();
      }
    };
  }

  private static int stripe(Object key) {
    return spread(key) & (STRIPES - 1);
  }

  /** The key's hash with its high bits folded in, so striping by the low bits stays even. */
  static int spread(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  /** Held stripes; {@link #close()} releases them. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }
}
