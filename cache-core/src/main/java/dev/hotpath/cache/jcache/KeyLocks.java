package dev.hotpath.cache.jcache;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks that make a JCache operation atomic per key on this node: every operation that
 * reads and then changes an entry holds its key's stripe meanwhile. Reentrant, so a synchronous
 * listener or an entry processor may use the cache for the key it was called for. The cache's own
 * operations hold one stripe at a time (bulk operations take their keys one by one), so they
 * cannot deadlock one another; a processor or listener that changes another key takes a second
 * stripe and may (see the package documentation).
 */
final class KeyLocks {
  private static final int STRIPES = 256;

  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

  KeyLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** The locked stripe of {@code key}; unlock it in a {@code finally}. */
  ReentrantLock lock(Object key) {
    int h = key.hashCode();
    ReentrantLock lock = stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    lock.lock();
    return lock;
  }
}
