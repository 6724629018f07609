package dev.hotpath.cache.timescale;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer between the writers of a {@link TimeSeriesWriter} and its flusher thread:
 * captured rows in arrival order, a capacity, and the signals that start a flush (enough rows, a
 * flush requested, closing). Counts what it accepted and what became of it, so that {@code flush}
 * can wait for exactly the rows written before it was called. Thread-safe.
 */
final class RowBuffer {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition flushDue = lock.newCondition();
  private final Condition progress = lock.newCondition();
  private final ArrayDeque<Object[]> rows = new ArrayDeque<>();
  private final int capacity;
  private final int batchSize;
  private final TimeSeriesWriter.Overflow overflow;
  private long accepted;
  /** Rows that left for good: written, dropped by the overflow policy, or given up at close. */
  private long settled;
  private long rejected;
  private long dropped;
  private boolean flushRequested;
  private boolean closed;

  RowBuffer(int capacity, int batchSize, TimeSeriesWriter.Overflow overflow) {
    this.capacity = capacity;
    this.batchSize = batchSize;
    this.overflow = overflow;
  }

  /**
   * Adds a row, applying the overflow policy when full.
   *
   * @param blockNanos how long {@link TimeSeriesWriter.Overflow#BLOCK} waits for room
   * @return false when the row was rejected
   * @throws IllegalStateException when the buffer is closed
   */
  boolean offer(Object[] row, long blockNanos) throws InterruptedException {
    lock.lock();
    try {
      requireOpen();
      if (rows.size() >= capacity) {
        switch (overflow) {
          case REJECT -> {
            rejected++;
            return false;
          }
          case DROP_OLDEST -> {
            rows.pollFirst();
            dropped++;
            settled++;
          }
          case BLOCK -> {
            long remaining = blockNanos;
            while (rows.size() >= capacity && !closed) {
              if (remaining <= 0) {
                rejected++;
                return false;
              }
              remaining = notFull.awaitNanos(remaining);
            }
            requireOpen();
          }
        }
      }
      rows.addLast(row);
      accepted++;
      if (rows.size() >= batchSize) {
        flushDue.signal();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a batch is due (batch size reached, flush requested, closing) or {@code maxWait}
   * passed, then takes up to {@code batchSize} rows; empty when there were none.
   */
  List<Object[]> take(long maxWaitNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = maxWaitNanos;
      while (rows.size() < batchSize && !flushRequested && !closed && remaining > 0) {
        remaining = flushDue.awaitNanos(remaining);
      }
      int n = Math.min(batchSize, rows.size());
      List<Object[]> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(rows.pollFirst());
      }
      if (rows.isEmpty()) {
        flushRequested = false;
      } else if (flushRequested || closed || rows.size() >= batchSize) {
        flushDue.signal(); // another batch is due: wake another flusher, if there is one
      }
      if (n > 0) {
        notFull.signalAll();
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Takes every row left; used when giving up at close. */
  List<Object[]> takeAll() {
    lock.lock();
    try {
      List<Object[]> all = new ArrayList<>(rows);
      rows.clear();
      notFull.signalAll();
      return all;
    } finally {
      lock.unlock();
    }
  }

  /** Records {@code n} rows as gone for good (written, or given up). */
  void settle(int n) {
    lock.lock();
    try {
      settled += n;
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every row accepted before this call is settled.
   *
   * @return false when {@code timeoutNanos} passed first
   */
  boolean awaitSettled(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long target = accepted;
      flushRequested = true;
      flushDue.signal();
      long remaining = timeoutNanos;
      while (settled < target) {
        if (remaining <= 0) {
          return false;
        }
        remaining = progress.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Refuses rows from now on and wakes everyone: blocked writers fail, the flusher drains. */
  void close() {
    lock.lock();
    try {
      closed = true;
      notFull.signalAll();
      flushDue.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the buffer is closed and empty: the flusher may stop once its batch is written. */
  boolean drained() {
    lock.lock();
    try {
      return closed && rows.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  TimeSeriesWriter.Stats stats(long written, long failedFlushes, long lost) {
    lock.lock();
    try {
      return new TimeSeriesWriter.Stats(accepted, written, rejected, dropped, lost, rows.size(), failedFlushes);
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return rows.size();
    } finally {
      lock.unlock();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the writer is closed");
    }
  }
}
