package dev.hotpath.cache;

/**
 * Receives the writes a write-behind namespace gave up on: writes its {@link CacheWriter} failed
 * {@link WriteBehind#maxAttempts()} times. Set one with {@link NamespaceSpec.Builder#deadLetters};
 * the default, {@link #logging()}, logs each at ERROR, without its value. Either way every write
 * given up is counted in {@link WriteBehindStats#deadLetters()}.
 *
 * <p>Called on the thread flushing the buffer (a {@code hotpath-scheduler} thread, or the thread
 * calling {@link Namespace#flush} or {@link TieredCache#close()}), one write at a time, oldest
 * first, while the flush waits: keep it short, say by appending to a local file or a queue. It must
 * not call back into the cache: a {@code put} of that key may be waiting for buffer space this
 * flush would free. What it throws is logged at ERROR and otherwise ignored: the write stays given
 * up and the flush goes on.
 *
 * <p>Later writes of the same key are still delivered; as the given-up write never reached the
 * system of record, the cache keeps its value only until the entry expires or is invalidated.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface DeadLetterHandler<K, V> {

  /**
   * A write was given up.
   *
   * @param namespace the namespace's name
   * @param key the key written
   * @param value the value that could not be written
   * @param lastFailure what the writer threw at the last attempt
   */
  void onDeadLetter(String namespace, K key, V value, Exception lastFailure);

  /**
   * The default: logs {@code namespace}, {@code key} and the failure's message at ERROR on the
   * {@code dev.hotpath.cache.WriteBehindQueue} logger, once per write given up, never the value.
   */
  static <K, V> DeadLetterHandler<K, V> logging() {
    return WriteBehindQueue::logDeadLetter;
  }
}
