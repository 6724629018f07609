package dev.hotpath.cache;

/**
 * A read missed and its load could not even start: every load thread was busy and the load queue
 * full (see {@code TieredCache.Builder.loadThreads} and {@code loadQueueCapacity}), or the host's
 * executor refused the task. Nothing was loaded or cached; reading again later may succeed. Its
 * cause is the executor's {@link java.util.concurrent.RejectedExecutionException}. A host serving
 * HTTP would answer 503 with a short {@code Retry-After}.
 */
public final class LoadRejectedException extends CacheLoadException {
  private static final long serialVersionUID = 1L;

  LoadRejectedException(String namespace, Object key, Throwable cause) {
    super(namespace, key, cause);
  }
}
