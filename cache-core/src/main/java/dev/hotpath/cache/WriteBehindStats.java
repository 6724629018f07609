package dev.hotpath.cache;

/**
 * Counters of a write-behind buffer since the cache started. Once the buffer is idle, {@code
 * accepted = written + deadLetters + pending + undelivered}.
 *
 * @param accepted writes accepted into the buffer
 * @param written writes the writer acknowledged
 * @param pending writes accepted and not yet written or given up
 * @param overflows times a write found the buffer full (whether it then waited or was refused)
 * @param failedAttempts writer calls that threw (a failed batch is split and sent again in parts,
 *     each a call)
 * @param deadLetters writes given up after {@link WriteBehind#maxAttempts()} failed attempts and
 *     handed to the namespace's {@link DeadLetterHandler}
 * @param undelivered writes still undelivered when the close timeout ran out (logged as errors)
 */
public record WriteBehindStats(
    long accepted,
    long written,
    long pending,
    long overflows,
    long failedAttempts,
    long deadLetters,
    long undelivered) {

  /** Stats of a namespace that is not in write-behind mode. */
  static final WriteBehindStats NONE = new WriteBehindStats(0, 0, 0, 0, 0, 0, 0);
}
