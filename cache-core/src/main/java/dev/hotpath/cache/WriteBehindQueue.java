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
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded buffer of a write-behind namespace. One FIFO queue and one flusher at a time (a
 * lock), so batches reach the writer in acceptance order and writes to a key stay in order. A batch
 * that fails is kept and retried with backoff before anything behind it, holding up later batches
 * rather than reordering or dropping them; while it does, the buffer fills and the overflow policy
 * makes the backlog visible to writers.
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
  /** Enqueues share it; close takes it exclusively, so no write is accepted after the last flush. */
  private final ReentrantReadWriteLock acceptance = new ReentrantReadWriteLock();
  private final AtomicBoolean flushPending = new AtomicBoolean();
  private final ScheduledFuture<?> periodicFlush;
  /** A batch taken from the queue that the writer has not acknowledged; guarded by flushLock. */
  private volatile List<Map.Entry<K, V>> inFlight = new ArrayList<>();
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
        scheduler.scheduleWithFixedDelay(this::flushInBackground, interval, interval, TimeUnit.NANOSECONDS);
  }

  /**
   * Accepts a write, or throws when the buffer is full under the overflow policy or the cache is
   * closing.
   *
   * @throws CacheWriteException when the write was not accepted
   */
  void enqueue(K key, V value) {
    Map.Entry<K, V> write = Map.entry(key, value);
    acceptance.readLock().lock();
    try {
      if (closing) {
        throw new CacheWriteException(namespace, "the cache is closing; write-behind accepts no more writes", null);
      }
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
    } finally {
      acceptance.readLock().unlock();
    }
    if (queue.size() >= settings.batchSize() && flushPending.compareAndSet(false, true)) {
      scheduler.execute(this::flushInBackground);
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

  /**
   * A background flush never waits for the lock: when another flush (perhaps retrying a failing
   * writer) holds it, that flush will also deliver what this one would have, and a scheduler
   * thread stays free for the cache's other work.
   */
  private void flushInBackground() {
    if (!flushLock.tryLock()) {
      return;
    }
    try {
      flushPending.set(false);
      drain(Long.MAX_VALUE);
    } catch (RuntimeException e) {
      LOG.error("write-behind flush of namespace '{}' failed", namespace, e);
    } finally {
      flushLock.unlock();
    }
  }

  /**
   * Delivers everything buffered, retrying failed batches until {@code deadlineNanos} ({@link
   * System#nanoTime()} scale). Returns whether the buffer was emptied in time; what was not
   * delivered stays buffered, in order.
   */
  boolean flush(long deadlineNanos) {
    try {
      if (!flushLock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      return drain(deadlineNanos);
    } finally {
      flushLock.unlock();
    }
  }

  /** Called holding flushLock. */
  private boolean drain(long deadlineNanos) {
    while (true) {
      if (inFlight.isEmpty()) {
        queue.drainTo(inFlight, settings.batchSize());
        if (inFlight.isEmpty()) {
          return true;
        }
      }
      if (!deliver(inFlight, deadlineNanos)) {
        return false;
      }
      inFlight = new ArrayList<>(settings.batchSize());
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
      // A background flush stops retrying when close() starts, so close() can take over the
      // batch (kept in inFlight) and retry it within its own timeout.
      if (now - deadlineNanos >= 0 || (closing && deadlineNanos == Long.MAX_VALUE)) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(backoff, deadlineNanos - now));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      backoff = Math.min(maxBackoff, backoff * 2);
    }
  }

  /**
   * Stops accepting writes and the timer, then delivers what is buffered within the close timeout.
   * What is still undelivered then is counted and logged as an error.
   */
  void close() {
    acceptance.writeLock().lock();
    try {
      closing = true;
    } finally {
      acceptance.writeLock().unlock();
    }
    periodicFlush.cancel(false);
    if (!flush(System.nanoTime() + settings.closeTimeout().toNanos())) {
      flushLock.lock();
      try {
        int left = inFlight.size() + queue.size();
        undelivered.add(left);
        LOG.error(
            "write-behind of namespace '{}': {} accepted writes could not be delivered within {}",
            namespace, left, settings.closeTimeout());
      } finally {
        flushLock.unlock();
      }
    }
  }

  WriteBehindStats stats() {
    return new WriteBehindStats(
        accepted.sum(), written.sum(), queue.size() + inFlightSize(), overflows.sum(), failedAttempts.sum(),
        undelivered.sum());
  }

  private int inFlightSize() {
    // A racy read of a list only the flusher changes: good enough for a gauge.
    List<Map.Entry<K, V>> batch = inFlight;
    return batch.size();
  }
}
