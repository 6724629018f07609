package dev.hotpath.cache;

import java.util.List;
import java.util.Map;

/**
 * Writes changed values to the system of record, for the write-through and write-behind
 * {@linkplain WriteMode write modes}.
 *
 * <p>Write-through calls {@link #write} in the caller's thread. Write-behind calls
 * {@link #writeAll} from one flushing thread at a time, with writes in the order they were
 * accepted, so writes to one key arrive in order. When a batch fails, write-behind sends its
 * writes again in smaller batches to find the ones that fail (see {@link WriteBehind}), so a
 * writer that is not transactional may see a write again: writes should be idempotent.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheWriter<K, V> {

  /**
   * Writes one value.
   *
   * @throws Exception any failure; write-through then caches nothing and rethrows it wrapped in a
   *     {@link CacheWriteException}
   */
  void write(K key, V value) throws Exception;

  /**
   * Writes a batch, oldest first; one key may appear more than once. The default writes one entry
   * at a time; override it when the store has a batch insert.
   *
   * @throws Exception any failure: write-behind splits the batch to set aside the writes that
   *     fail, retries those with backoff and gives each up after {@link WriteBehind#maxAttempts()}
   *     attempts
   */
  default void writeAll(List<Map.Entry<K, V>> batch) throws Exception {
    for (Map.Entry<K, V> entry : batch) {
      write(entry.getKey(), entry.getValue());
    }
  }
}
