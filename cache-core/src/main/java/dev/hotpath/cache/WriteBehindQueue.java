package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded buffer of a write-behind namespace. One FIFO queue and one flusher at a time (a
 * lock), so batches reach the writer in acceptance order and writes to a key stay in order. A batch
 * that fails is retried with backoff, holding up later batches rather than reordering them; while
 * it does, the buffer fills and the overflow policy makes the backlog visible to writers.
 */
final class WriteBehindQueue<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(WriteBehindQueue.class);
  private static final int MAX_BACKOFF_FACTOR = 30;

  private final String namespace;
  private final CacheWriter<K, V> writer;
  private final WriteBehind settings;
  private final ScheduledExecutorService scheduler;
  private final ArrayBlockingQueue<Map.Entry<K, V>> queue;
  private final ReentrantLock flushLock = new ReentrantLock();
  private final AtomicBoolean flushPending = new AtomicBoolean();
  private final ScheduledFuture<?> periodicFlush;
  private volatile boolean closing;

  private final LongAdder accepted = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder overflows = new LongAdder();
  private final LongAdder failedAttempts = new LongAdder();
  private final LongAdder undelivered = new LongAdder();

  WriteBehindQueue(
      String namespace, CacheWriter<K, V> writer, WriteBehind settings, ScheduledExecutorService scheduler) {
    this.namespace = namespace;
    this.writer = writer;
    this.settings = settings;
    this.scheduler = scheduler;
    this.queue = new ArrayBlockingQueue<>(settings.capacity());
    long interval = settings.flushInterval().toNanos();
    this.periodicFlush =
        scheduler.scheduleWithFixedDelay(this::flushQuietly, interval, interval, TimeUnit.NANOSECONDS);
  }

  /**
   * Accepts a write, or throws when the buffer is full under the overflow policy.
   *
   * @throws CacheWriteException when the write was not accepted
   */
  void enqueue(K key, V value) {
    Map.Entry<K, V> write = Map.entry(key, value);
    if (!queue.offer(write)) {
      overflows.increment();
      if (settings.overflowPolicy() == WriteBehind.OverflowPolicy.REJECT || !offerBlocking(write)) {
        throw new CacheWriteException(
            namespace,
            "write-behind buffer full (capacity " + settings.capacity() + ", policy "
                + settings.overflowPolicy() + ")",
            null);
      }
    }
    accepted.increment();
    if (queue.size() >= settings.batchSize() && flushPending.compareAndSet(false, true)) {
      scheduler.execute(this::flushQuietly);
    }
  }

  private boolean offerBlocking(Map.Entry<K, V> write) {
    try {
      return queue.offer(write, settings.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void flushQuietly() {
    flushPending.set(false);
    try {
      flush(Long.MAX_VALUE);
    } catch (RuntimeException e) {
      LOG.error("write-behind flush of namespace '{}' failed", namespace, e);
    }
  }

  /**
   * Delivers everything buffered, retrying failed batches until {@code deadlineNanos} ({@link
   * System#nanoTime()} scale). Returns whether the buffer was emptied.
   */
  boolean flush(long deadlineNanos) {
    flushLock.lock();
    try {
      List<Map.Entry<K, V>> batch = new ArrayList<>(settings.batchSize());
      while (true) {
        batch.clear();
        queue.drainTo(batch, settings.batchSize());
        if (batch.isEmpty()) {
          return true;
        }
        if (!deliver(batch, deadlineNanos)) {
          undelivered.add(batch.size() + queue.size());
          LOG.error(
              "write-behind of namespace '{}': {} writes could not be delivered before the deadline",
              namespace, batch.size() + queue.size());
          return false;
        }
      }
    } finally {
      flushLock.unlock();
    }
  }

  private boolean deliver(List<Map.Entry<K, V>> batch, long deadlineNanos) {
    long backoff = settings.retryBackoff().toNanos();
    long maxBackoff = backoff * MAX_BACKOFF_FACTOR;
    while (true) {
      try {
        writer.writeAll(List.copyOf(batch));
        written.add(batch.size());
        return true;
      } catch (Exception e) {
        failedAttempts.increment();
        LOG.warn("write-behind batch of {} for namespace '{}' failed; retrying", batch.size(), namespace, e);
      }
      long now = System.nanoTime();
      if (now - deadlineNanos >= 0 || (closing && deadlineNanos == Long.MAX_VALUE)) {
        return false;
      }
      long pause = Math.min(backoff, deadlineNanos - now);
      try {
        TimeUnit.NANOSECONDS.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      backoff = Math.min(maxBackoff, backoff * 2);
    }
  }

  /** Stops the timer and delivers what is buffered, within the close timeout. */
  void close() {
    closing = true;
    periodicFlush.cancel(false);
    flush(System.nanoTime() + settings.closeTimeout().toNanos());
  }

  int size() {
    return queue.size();
  }

  WriteBehindStats stats() {
    return new WriteBehindStats(
        accepted.sum(), written.sum(), queue.size(), overflows.sum(), failedAttempts.sum(), undelivered.sum());
  }
}
