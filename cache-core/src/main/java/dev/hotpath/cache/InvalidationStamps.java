package dev.hotpath.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Tells a load whether its key was changed or invalidated while it ran, so it does not write the
 * value it read before the change back to the shared tiers. Striped by key hash: a change to
 * another key of the same stripe makes a load skip its write-back, which costs a later miss, never
 * a stale value.
 *
 * <p>Protocol: a change holds the key's {@link WriteLocks} stripe and {@link #bump}s before it
 * touches any tier and again after the last one; a load {@link #read}s before it reads any tier,
 * and writes back only while holding the same stripe and only if {@link #changed} is false. A load
 * that read during a change therefore sees the second bump, and one that read after it read tiers
 * the change had finished with. Other nodes' changes arrive without the lock (their tiers already
 * hold the change), so a write-back checks again after writing and removes what it wrote if one
 * arrived meanwhile.
 */
final class InvalidationStamps {
  private static final int STRIPES = 1024;

  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
  private final AtomicLong epoch = new AtomicLong();

  long read(Object key) {
    return epoch.get() + stripes.get(index(key));
  }

  boolean changed(Object key, long stamp) {
    return read(key) != stamp;
  }

  void bump(Object key) {
    stripes.incrementAndGet(index(key));
  }

  void bumpAll() {
    epoch.incrementAndGet();
  }

  private static int index(Object key) {
    return WriteLocks.spread(key) & (STRIPES - 1);
  }
}
