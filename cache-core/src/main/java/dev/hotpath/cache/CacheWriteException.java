package dev.hotpath.cache;

/**
 * A write could not be accepted: the write-through writer failed (its exception is the cause), or
 * the write-behind buffer was full under {@link WriteBehind.OverflowPolicy#REJECT} or stayed full
 * for longer than the blocking timeout. The cache was not changed.
 */
public class CacheWriteException extends CacheException {
  private static final long serialVersionUID = 1L;

  CacheWriteException(String namespace, String message, Throwable cause) {
    super(namespace, message, cause);
  }
}
