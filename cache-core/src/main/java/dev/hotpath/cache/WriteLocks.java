package dev.hotpath.cache;

import java.util.BitSet;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
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

  /**
   * Locks the stripes of {@code keys} if that can be done within {@code timeoutNanos}; otherwise
   * holds none and returns null. For loads' write-backs, which may be skipped (a later miss, never
   * a stale value) and which may run inside Caffeine's compute when the executor runs tasks in the
   * caller's thread: waiting there without a bound could deadlock with a put of the same key.
   */
  Held tryLock(Collection<?> keys, long timeoutNanos) {
    BitSet stripes = new BitSet(STRIPES);
    for (Object key : keys) {
      stripes.set(stripe(key));
    }
    long deadline = System.nanoTime() + timeoutNanos;
    for (int i = stripes.nextSetBit(0); i >= 0; i = stripes.nextSetBit(i + 1)) {
      boolean locked;
      try {
        locked = locks[i].tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        locked = false;
      }
      if (!locked) {
        for (int j = stripes.nextSetBit(0); j >= 0 && j < i; j = stripes.nextSetBit(j + 1)) {
          locks[j].unlock();
        }
        return null;
      }
    }
    return () -> {
      for (int i = stripes.nextSetBit(0); i >= 0; i = stripes.nextSetBit(i + 1)) {
        locks[i].unlock();
      }
    };
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
