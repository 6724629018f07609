package dev.hotpath.cache;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pool a cache owns for loads and shared-tier reads when the host gives none: at most {@code
 * threads} threads (each miss holds one through Redis, PostgreSQL and the loader, so an unbounded
 * pool turns a miss storm into thousands of threads) and a bounded queue behind them. A load that
 * finds both full is refused at once with a message that says so; concurrent misses of one key
 * never get that far, since they share one load.
 */
final class LoadExecutor extends ThreadPoolExecutor {
  private final LongAdder rejected = new LongAdder();
  private final int queueCapacity;

  LoadExecutor(int threads, int queueCapacity) {
    super(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity),
        TieredCache.daemon("hotpath-load"));
    this.queueCapacity = queueCapacity;
    allowCoreThreadTimeOut(true);
    setRejectedExecutionHandler((task, pool) -> {
      if (pool.isShutdown()) {
        throw new RejectedExecutionException("the cache is closed");
      }
      rejected.increment();
      throw new RejectedExecutionException(
          "no load thread free: " + getMaximumPoolSize() + " threads busy and " + queueCapacity
              + " loads waiting (TieredCache.Builder.loadThreads and loadQueueCapacity set these)");
    });
  }

  /** Loads refused because every thread was busy and the queue full, since the cache started. */
  long rejectedCount() {
    return rejected.sum();
  }

  int queueCapacity() {
    return queueCapacity;
  }
}
