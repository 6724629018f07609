package dev.hotpath.cache.timescale;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer between the writers of a {@link TimeSeriesWriter} and its flusher thread:
 * captured rows in arrival order, a capacity, and the signals that start a flush (enough rows, a
 * flush requested, closing). Numbers every accepted row and tracks the lowest number not yet
 * settled (the low watermark), so that {@code flush} waits for exactly the rows accepted before it
 * was called: counts alone would let rows accepted later, written by another flusher or pushing
 * older ones out with {@link TimeSeriesWriter.Overflow#DROP_OLDEST}, stand in for an older row
 * still unwritten.
 *
 * <p>The capacity bounds every row accepted and not settled: those waiting and those in batches
 * being sent. The outcome counters (written, refused, lost) change under the same lock, and in the
 * same step, as the rows they count settle, so a {@code flush} that returns sees them in {@link
 * #stats}. Thread-safe.
 */
final class RowBuffer {
  /**
   * Rows a flusher took, settled from the front: a batch is written whole, or row by row in order
   * when its bad rows are isolated, so its unsettled rows are always a suffix.
   */
  static final class Batch {
    private final long[] seqs;
    private final List<Object[]> rows;
    /** Index of the first unsettled row; guarded by the buffer's lock. */
    private int next;
    /** Set when close gave the batch up while its flusher was still busy with it. */
    private boolean abandoned;

    private Batch(long[] seqs, List<Object[]> rows) {
      this.seqs = seqs;
      this.rows = rows;
    }

    /** The rows not settled yet, in order. */
    List<Object[]> rows() {
      return rows;
    }

    int size() {
      return rows.size();
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }
  }

  private static final Batch EMPTY = new Batch(new long[0], List.of());

  /** A row and its number, in the queue. */
  private record Entry(long seq, Object[] values) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition flushDue = lock.newCondition();
  private final Condition progress = lock.newCondition();
  private final ArrayDeque<Entry> rows = new ArrayDeque<>();
  /** Batches taken and not yet settled to the end. */
  private final Set<Batch> inFlight = Collections.newSetFromMap(new IdentityHashMap<>());
  private final int capacity;
  private final int batchSize;
  private final TimeSeriesWriter.Overflow overflow;
  private long accepted;
  /** Settled rows by how: written to the table, refused by the server, given up at close. */
  private long written;
  private long refused;
  private long lost;
  /** The number of the next accepted row; rows are numbered from 0 in arrival order. */
  private long nextSeq;
  /**
   * Rows that left for good: written, refused by the server, dropped by the overflow policy, or
   * given up at close.
   */
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
   * Adds a row, applying the overflow policy when full. {@link TimeSeriesWriter.Overflow#DROP_OLDEST}
   * can only drop a waiting row: when every row held is in a batch being sent, the new row is
   * rejected.
   *
   * @param blockNanos how long {@link TimeSeriesWriter.Overflow#BLOCK} waits for room
   * @return false when the row was rejected
   * @throws IllegalStateException when the buffer is closed
   */
  boolean offer(Object[] row, long blockNanos) throws InterruptedException {
    lock.lock();
    try {
      requireOpen();
      if (held() >= capacity) {
        switch (overflow) {
          case REJECT -> {
            rejected++;
            return false;
          }
          case DROP_OLDEST -> {
            if (rows.isEmpty()) {
              rejected++;
              return false;
            }
            rows.pollFirst();
            dropped++;
            settled++;
            progress.signalAll(); // the low watermark may have passed a flush's target
          }
          case BLOCK -> {
            long remaining = blockNanos;
            while (held() >= capacity && !closed) {
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
      rows.addLast(new Entry(nextSeq++, row));
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
   * passed, then takes up to {@code batchSize} rows; empty when there were none. The caller
   * settles the batch ({@link #settle}) or gives it up.
   */
  Batch take(long maxWaitNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = maxWaitNanos;
      while (rows.size() < batchSize && !flushRequested && !closed && remaining > 0) {
        remaining = flushDue.awaitNanos(remaining);
      }
      int n = Math.min(batchSize, rows.size());
      long[] seqs = new long[n];
      List<Object[]> values = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Entry e = rows.pollFirst();
        seqs[i] = e.seq();
        values.add(e.values());
      }
      Batch batch = n == 0 ? EMPTY : new Batch(seqs, values);
      if (n > 0) {
        inFlight.add(batch); // still held: room is made when its rows settle
      }
      if (rows.isEmpty()) {
        flushRequested = false;
      } else if (flushRequested || closed || rows.size() >= batchSize) {
        flushDue.signal(); // another batch is due: wake another flusher, if there is one
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Settles every row left in the queue and the rest of {@code batch} as lost; used when giving up
   * at close.
   *
   * @param batch the flusher's batch, or null when it was interrupted before it took one
   * @return how many rows that settled
   */
  int giveUp(Batch batch) {
    lock.lock();
    try {
      int count = rows.size();
      rows.clear();
      settled += count;
      notFull.signalAll();
      progress.signalAll();
      if (batch != null) {
        count += settle(batch, batch.size() - batch.next);
      }
      lost += count;
      return count;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records the next {@code n} unsettled rows of {@code batch} as written to the table.
   *
   * @return how many of them this call settled: 0 when close had already given the batch up, so
   *     that they are not counted twice
   */
  int settleWritten(Batch batch, int n) {
    lock.lock();
    try {
      int count = settle(batch, n);
      written += count;
      return count;
    } finally {
      lock.unlock();
    }
  }

  /** {@link #settleWritten} for rows the server refused. */
  int settleRefused(Batch batch, int n) {
    lock.lock();
    try {
      int count = settle(batch, n);
      refused += count;
      return count;
    } finally {
      lock.unlock();
    }
  }

  /** Settles the next {@code n} rows of {@code batch}; the caller holds the lock and counts how. */
  private int settle(Batch batch, int n) {
    if (batch.abandoned || n == 0) {
      return 0;
    }
    batch.next += n;
    settled += n;
    if (batch.next >= batch.size()) {
      inFlight.remove(batch);
    }
    notFull.signalAll();
    progress.signalAll();
    return n;
  }

  /**
   * Gives up every row not settled yet, in the queue and in batches that flushers are still
   * sending; later {@link #settle} calls for those batches count nothing. Used by close when a
   * flusher outlived its deadline.
   *
   * @return how many rows that settled
   */
  int abandon() {
    lock.lock();
    try {
      long count = rows.size();
      rows.clear();
      for (Batch batch : inFlight) {
        count += batch.size() - batch.next;
        batch.next = batch.size();
        batch.abandoned = true;
      }
      inFlight.clear();
      settled += count;
      lost += count;
      notFull.signalAll();
      progress.signalAll();
      return (int) count;
    } finally {
      lock.unlock();
    }
  }

  /** Rows accepted and not settled: waiting, or in batches being sent. The capacity bounds it. */
  private long held() {
    return accepted - settled;
  }

  /** The number of the oldest row not settled yet, or the next number when all are. */
  private long lowWatermark() {
    long low = rows.isEmpty() ? nextSeq : rows.peekFirst().seq();
    for (Batch batch : inFlight) {
      low = Math.min(low, batch.seqs[batch.next]);
    }
    return low;
  }

  /**
   * Waits until every row accepted before this call is settled.
   *
   * @return false when {@code timeoutNanos} passed first
   */
  boolean awaitSettled(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long target = nextSeq;
      flushRequested = true;
      flushDue.signal();
      long remaining = timeoutNanos;
      while (lowWatermark() < target) {
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

  /** The rows of {@code batch} not settled yet, in order. */
  List<Object[]> unsettled(Batch batch) {
    lock.lock();
    try {
      return List.copyOf(batch.rows.subList(batch.next, batch.size()));
    } finally {
      lock.unlock();
    }
  }

  TimeSeriesWriter.Stats stats(long failedFlushes) {
    lock.lock();
    try {
      return new TimeSeriesWriter.Stats(
          accepted, written, rejected, dropped, lost, rows.size(), failedFlushes, refused);
    } finally {
      lock.unlock();
    }
  }

  /** Rows given up at close so far. */
  long lost() {
    lock.lock();
    try {
      return lost;
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
