package dev.hotpath.cache;

/**
 * Striped monitors that order a node's writes to one key (put, invalidate) across the in-process
 * and shared tiers. Writes to keys of different stripes do not wait for each other; reads never
 * take them.
 */
final class WriteLocks {
  private static final int STRIPES = 64;

  private final Object[] locks = new Object[STRIPES];

  WriteLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  Object forKey(Object key) {
    return locks[spread(key) & (STRIPES - 1)];
  }

  /** The key's hash with its high bits folded in, so striping by the low bits stays even. */
  static int spread(Object key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }
}
