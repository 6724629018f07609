package dev.hotpath.cache;

/** How a namespace's {@code put} reaches the system of record. */
enum WriteMode {
  /** {@code put} updates the cache tiers only; the application writes the source itself. */
  CACHE_ASIDE,
  /**
   * {@code put} calls the namespace's {@link CacheWriter} first, in the caller's thread, and
   * updates the tiers only when it succeeds.
   */
  WRITE_THROUGH,
  /**
   * {@code put} updates the tiers at once and queues the write in a bounded buffer that is flushed
   * to the {@link CacheWriter} in batches (see {@link WriteBehind}).
   */
  WRITE_BEHIND
}
