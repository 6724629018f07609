package dev.hotpath.cache;

/**
 * Counters of a write-behind buffer since the cache started.
 *
 * @param accepted writes accepted into the buffer
 * @param written writes the writer acknowledged
 * @param pending writes in the buffer now
 * @param overflows times a write found the buffer full (whether it then waited or was refused)
 * @param failedAttempts batch deliveries that threw and were retried
 * @param undelivered writes still undelivered when the close timeout ran out (logged as errors)
 */
public record WriteBehindStats(
    long accepted, long written, long pending, long overflows, long failedAttempts, long undelivered) {

  /** Stats of a namespace that is not in write-behind mode. */
  static final WriteBehindStats NONE = new WriteBehindStats(0, 0, 0, 0, 0, 0);
}
