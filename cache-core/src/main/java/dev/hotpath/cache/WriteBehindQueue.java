package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffer of a write-behind namespace and its flusher.
 *
 * <p><b>Order.</b> Accepted writes wait in one FIFO queue. One flush runs at a time (a lock) and
 * moves them to {@code held}: the writes taken and not yet settled (written or given up), in
 * acceptance order. A flush works in rounds; a round sends the held writes that are due, oldest
 * first, up to a batch, in one {@link CacheWriter#writeAll} call. A write is due unless it failed
 * and its backoff has not passed, and never while an older write of its key is held and not due,
 * so writes to one key reach the writer in order. Writes to different keys do too, except around
 * failures: a write that failed may be passed by later ones.
 *
 * <p><b>Failures.</b> When a call throws, the round splits its writes in halves and sends each,
 * older half first, down to single writes, so that it finds the writes the writer refuses and
 * writes the others in the same round. A write counts one failed attempt per round in which a
 * call with it threw, unless the round then held it back untried (behind a write of its key that
 * failed alone, say); it then waits a backoff that doubles per attempt, and after {@code
 * maxAttempts} it is handed to the dead-letter handler. Splitting stops when two writes failed
 * alone and nothing was written in the round (the writer looks down), and after a round that wrote
 * nothing the next waits a backoff that doubles per such round: an outage costs a few calls per
 * backoff, however many writes wait.
 *
 * <p><b>Space.</b> {@code capacity} permits bound the writes accepted and not yet settled,
 * queued or held, so writes held behind a failing one never grow the buffer past it.
 *
 * <p><b>Reads.</b> {@link #pendingValue} answers loads with the latest write of a key not settled
 * yet, so a load never reads the system of record from before this node's own write.
 */
final class WriteBehindQueue<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(WriteBehindQueue.class);
  private static final int MAX_BACKOFF_FACTOR = 30;
  /** Writes failing alone, with nothing written yet, that end a round's splitting. */
  private static final int OUTAGE_EVIDENCE = 2;

  private final String namespace;
  private final CacheWriter<K, V> writer;
  private final DeadLetterHandler<? super K, ? super V> deadLetters;
  private final WriteBehind settings;
  private final ScheduledExecutorService scheduler;
  private final long backoffNanos;
  private final long maxBackoffNanos;
  private final Semaphore space;
  private final LinkedBlockingQueue<Write<K, V>> queue = new LinkedBlockingQueue<>();
  private final PendingWrites<K, V> pendingWrites = new PendingWrites<>();
  private final ReentrantLock flushLock = new ReentrantLock();
  /** Enqueues share it; close takes it exclusively, so no write is accepted after the last flush. */
  private final ReentrantReadWriteLock acceptance = new ReentrantReadWriteLock();
  private final AtomicBoolean flushPending = new AtomicBoolean();
  private final ScheduledFuture<?> periodicFlush;
  private volatile boolean closing;

  // Guarded by flushLock.
  private final List<Write<K, V>> held = new ArrayList<>();
  private int rounds;
  /** Consecutive rounds that wrote nothing; while positive, no round starts before resumeAt. */
  private int idleRounds;
  private long resumeAt;
  /** Whether a held write has failed: logged once when it starts and once when it ends. */
  private boolean failing;
  private long failedCallsSinceFailing;
  private ScheduledFuture<?> retry;
  private long retryDue;

  private final LongAdder accepted = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder overflows = new LongAdder();
  private final LongAdder failedAttempts = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder undelivered = new LongAdder();

  WriteBehindQueue(
      String namespace,
      CacheWriter<K, V> writer,
      DeadLetterHandler<? super K, ? super V> deadLetters,
      WriteBehind settings,
      ScheduledExecutorService scheduler) {
    this.namespace = namespace;
    this.writer = writer;
    this.deadLetters = deadLetters;
    this.settings = settings;
    this.scheduler = scheduler;
    this.backoffNanos = Arguments.saturatedNanos(settings.retryBackoff());
    this.maxBackoffNanos =
        backoffNanos > Long.MAX_VALUE / MAX_BACKOFF_FACTOR ? Long.MAX_VALUE : backoffNanos * MAX_BACKOFF_FACTOR;
    this.space = new Semaphore(settings.capacity());
    long interval = settings.flushInterval().toNanos();
    this.periodicFlush =
        scheduler.scheduleWithFixedDelay(this::flushInBackground, interval, interval, TimeUnit.NANOSECONDS);
  }

  /** One accepted write and, once it failed, its attempts; mutable fields are the flusher's. */
  private static final class Write<K, V> {
    final Map.Entry<K, V> entry;
    int attempts;
    long retryAt;
    /** The round that last counted an attempt, so that one round counts once. */
    int chargedIn;
    /** The round that last held it back: a round that held a write back does not count it. */
    int heldBackIn;
    /** Whether a call with this write alone threw: then it is likely the write, not the writer. */
    boolean failedAlone;
    boolean settled;
    Exception lastFailure;

    Write(K key, V value) {
      this.entry = Map.entry(key, value);
    }

    K key() {
      return entry.getKey();
    }
  }

  /**
   * Accepts a write, or throws when the buffer is full under the overflow policy or the cache is
   * closing.
   *
   * @throws CacheWriteException when the write was not accepted
   */
  void enqueue(K key, V value) {
    Write<K, V> write = new Write<>(key, value);
    acceptance.readLock().lock();
    try {
      if (closing) {
        throw new CacheWriteException(namespace, "the cache is closing; write-behind accepts no more writes", null);
      }
      if (!space.tryAcquire()) {
        overflows.increment();
        if (settings.overflowPolicy() == WriteBehind.OverflowPolicy.REJECT || !acquireBlocking()) {
          throw new CacheWriteException(
              namespace,
              "write-behind buffer full (capacity " + settings.capacity() + ", policy "
                  + settings.overflowPolicy() + ")",
              null);
        }
      }
      pendingWrites.accepted(key, value);
      queue.add(write);
      accepted.increment();
    } finally {
      acceptance.readLock().unlock();
    }
    if (queue.size() >= settings.batchSize() && flushPending.compareAndSet(false, true)) {
      scheduler.execute(this::flushInBackground);
    }
  }

  private boolean acquireBlocking() {
    try {
      return space.tryAcquire(settings.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The value of the latest write of {@code key} accepted and not yet written or given up, or null. */
  V pendingValue(K key) {
    return pendingWrites.latest(key);
  }

  /**
   * A background flush never waits for the lock: when another flush holds it, that flush will
   * also deliver what this one would have. Nor does it wait for a backoff: it schedules itself.
   */
  private void flushInBackground() {
    if (!flushLock.tryLock()) {
      return;
    }
    try {
      flushPending.set(false);
      drain(Long.MAX_VALUE, true);
    } catch (RuntimeException e) {
      LOG.error("write-behind flush of namespace '{}' failed", namespace, e);
    } finally {
      flushLock.unlock();
    }
  }

  /**
   * Delivers everything buffered, waiting out backoffs until {@code deadlineNanos} ({@link
   * System#nanoTime()} scale). Returns whether the buffer was emptied in time, every write written
   * or given up; what was not stays buffered, in order.
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
      return drain(deadlineNanos, false);
    } finally {
      flushLock.unlock();
    }
  }

  /**
   * Runs rounds until nothing is buffered. When nothing can be sent yet, a background drain
   * schedules itself and returns; an explicit one waits, until its deadline. Called holding
   * flushLock.
   */
  private boolean drain(long deadlineNanos, boolean background) {
    while (true) {
      if (background && closing) {
        // close() takes over what is held, within its own timeout.
        return false;
      }
      long now = System.nanoTime();
      boolean resting = idleRounds > 0 && now - resumeAt < 0;
      List<Write<K, V>> due = resting ? List.of() : takeDue(now);
      if (!due.isEmpty()) {
        if (!round(due)) {
          return false;
        }
        continue;
      }
      if (held.isEmpty() && queue.isEmpty()) {
        return true;
      }
      long wake = resting ? resumeAt : nextRetry(now);
      if (background) {
        scheduleRetry(wake, now);
        return false;
      }
      if (now - deadlineNanos >= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(wake - now, deadlineNanos - now));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * The held writes a round may send, oldest first, up to a batch; takes more from the queue while
   * the batch is short. A write is due unless it waits out a backoff or an older write of its key
   * does.
   */
  private List<Write<K, V>> takeDue(long now) {
    int batchSize = settings.batchSize();
    List<Write<K, V>> due = new ArrayList<>(Math.min(batchSize, Math.max(held.size(), 16)));
    Set<K> waiting = null;
    for (int i = 0; due.size() < batchSize; i++) {
      if (i == held.size() && queue.drainTo(held, batchSize - due.size()) == 0) {
        break;
      }
      Write<K, V> write = held.get(i);
      if (waiting != null && waiting.contains(write.key())) {
        continue;
      }
      if (write.attempts == 0 || write.retryAt - now <= 0) {
        due.add(write);
      } else {
        if (waiting == null) {
          waiting = new HashSet<>();
        }
        waiting.add(write.key());
      }
    }
    return due;
  }

  /** When the first write waiting out a backoff may be sent (writes behind it wait for it). */
  private long nextRetry(long now) {
    long next = now + maxBackoffNanos;
    for (Write<K, V> write : held) {
      if (write.attempts > 0 && write.retryAt - now > 0 && write.retryAt - next < 0) {
        next = write.retryAt;
      }
    }
    return next;
  }

  /** Has a background flush run at {@code wake}, unless one is due by then. Called holding flushLock. */
  private void scheduleRetry(long wake, long now) {
    if (retry != null && !retry.isDone() && retryDue - now > 0 && retryDue - wake <= 0) {
      return;
    }
    if (retry != null) {
      retry.cancel(false);
    }
    try {
      retry = scheduler.schedule(this::flushInBackground, Math.max(0, wake - now), TimeUnit.NANOSECONDS);
      retryDue = wake;
    } catch (RejectedExecutionException e) {
      retry = null; // the cache is closing; close() flushes
    }
  }

  /**
   * Sends {@code due}, splitting it on failure, then settles what the round decided. Returns false
   * when the writer was interrupted: the flush stops, with the thread's interrupt flag set.
   */
  private boolean round(List<Write<K, V>> due) {
    Round round = new Round(++rounds);
    try {
      send(due, round);
    } finally {
      settle(round);
    }
    return !round.interrupted;
  }

  private void send(List<Write<K, V>> writes, Round round) {
    List<Write<K, V>> batch = round.sendable(writes);
    if (batch.isEmpty()) {
      return;
    }
    Exception failure = call(batch);
    if (failure == null) {
      round.written(batch);
      return;
    }
    round.failed(batch, failure);
    if (round.interrupted) {
      return;
    }
    if (batch.size() == 1) {
      round.failedAlone(batch.get(0));
      return;
    }
    int half = batch.size() / 2;
    send(batch.subList(0, half), round);
    send(batch.subList(half, batch.size()), round);
  }

  private Exception call(List<Write<K, V>> batch) {
    List<Map.Entry<K, V>> entries = new ArrayList<>(batch.size());
    for (Write<K, V> write : batch) {
      entries.add(write.entry);
    }
    try {
      writer.writeAll(Collections.unmodifiableList(entries));
      return null;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return e;
    }
  }

  /** What one round sent, wrote and learned. */
  private final class Round {
    final int number;
    /** Keys whose writes this round sends no more: one failed alone, or was held back. */
    final Set<K> heldBack = new HashSet<>();
    final List<Write<K, V>> charged = new ArrayList<>();
    boolean wrote;
    int freshFailedAlone;
    int retriedFailedAlone;
    /** The writer looks down, or was interrupted: send nothing more this round. */
    boolean stopped;
    boolean interrupted;
    /** Writes that failed alone before failed again: do not retry more of them this round. */
    boolean skipRetried;

    Round(int number) {
      this.number = number;
    }

    List<Write<K, V>> sendable(List<Write<K, V>> writes) {
      if (stopped) {
        return List.of();
      }
      List<Write<K, V>> batch = new ArrayList<>(writes.size());
      for (Write<K, V> write : writes) {
        if (heldBack.contains(write.key()) || (skipRetried && write.failedAlone)) {
          heldBack.add(write.key());
          write.heldBackIn = number;
        } else {
          batch.add(write);
        }
      }
      return batch;
    }

    void written(List<Write<K, V>> batch) {
      wrote = true;
      for (Write<K, V> write : batch) {
        write.settled = true;
        pendingWrites.settled(write.key());
      }
      space.release(batch.size());
      written.add(batch.size());
    }

    void failed(List<Write<K, V>> batch, Exception failure) {
      failedAttempts.increment();
      failedCallsSinceFailing++;
      if (!failing) {
        failing = true;
        LOG.warn(
            "write-behind of namespace '{}': the writer failed; retrying with backoff and setting aside"
                + " the writes that keep failing (given up after {} attempts)",
            namespace, settings.maxAttempts(), failure);
      } else {
        LOG.debug(
            "write-behind of namespace '{}': a call with {} writes failed: {}",
            namespace, batch.size(), failure.toString());
      }
      if (failure instanceof InterruptedException) {
        interrupted = true;
        stopped = true;
      }
      for (Write<K, V> write : batch) {
        write.lastFailure = failure;
        if (write.chargedIn != number) {
          write.chargedIn = number;
          write.attempts++;
          charged.add(write);
        }
      }
    }

    /**
     * Two writes failing alone with nothing written yet look like a writer that is down, and one
     * that refuses everything it is given: stop. Writes that failed alone in earlier rounds count
     * apart, so that two bad writes at the head of the buffer do not stop the ones behind them.
     */
    void failedAlone(Write<K, V> write) {
      heldBack.add(write.key());
      boolean retried = write.failedAlone;
      write.failedAlone = true;
      if (wrote) {
        return;
      }
      if (retried) {
        skipRetried = ++retriedFailedAlone >= OUTAGE_EVIDENCE;
      } else {
        stopped = ++freshFailedAlone >= OUTAGE_EVIDENCE;
      }
    }
  }

  /** Schedules retries of the writes that failed, gives up on the spent ones, drops the settled. */
  private void settle(Round round) {
    long now = System.nanoTime();
    List<Write<K, V>> spent = new ArrayList<>();
    for (Write<K, V> write : round.charged) {
      if (write.settled) {
        continue;
      }
      if (write.heldBackIn == round.number) {
        // It was in a call that failed, but the round found an older write of its key failing
        // alone, or skipped it: it was not tried, so the failure is not counted against it.
        write.attempts--;
        continue;
      }
      if (write.attempts >= settings.maxAttempts()) {
        write.settled = true;
        spent.add(write);
      } else {
        write.retryAt = now + backoff(write.attempts);
      }
    }
    held.removeIf(write -> write.settled);
    if (round.wrote) {
      idleRounds = 0;
    } else {
      idleRounds = Math.min(idleRounds + 1, Integer.MAX_VALUE - 1);
      resumeAt = now + backoff(idleRounds);
    }
    for (Write<K, V> write : spent) {
      giveUp(write);
    }
    if (failing && held.stream().noneMatch(write -> write.attempts > 0)) {
      failing = false;
      LOG.info(
          "write-behind of namespace '{}': no failing write left after {} failed calls",
          namespace, failedCallsSinceFailing);
      failedCallsSinceFailing = 0;
    }
  }

  /** {@code retryBackoff}, doubled per earlier attempt, at most {@value #MAX_BACKOFF_FACTOR} times as long. */
  private long backoff(int attempts) {
    long delay = backoffNanos;
    for (int i = 1; i < attempts && delay < maxBackoffNanos; i++) {
      delay = delay > maxBackoffNanos / 2 ? maxBackoffNanos : delay * 2;
    }
    return Math.min(delay, maxBackoffNanos);
  }

  private void giveUp(Write<K, V> write) {
    deadLettered.increment();
    pendingWrites.settled(write.key());
    space.release();
    try {
      deadLetters.onDeadLetter(namespace, write.key(), write.entry.getValue(), write.lastFailure);
    } catch (RuntimeException e) {
      LOG.error(
          "write-behind of namespace '{}': the dead-letter handler failed for key {}; the write stays given up",
          namespace, write.key(), e);
    }
  }

  /** {@link DeadLetterHandler#logging()}. */
  static void logDeadLetter(String namespace, Object key, Object value, Exception lastFailure) {
    LOG.error(
        "write-behind of namespace '{}' gave up on a write of key {}: {}",
        namespace, key, String.valueOf(lastFailure));
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
        int left = held.size() + queue.size();
        undelivered.add(left);
        LOG.error(
            "write-behind of namespace '{}': {} accepted writes could not be delivered within {}",
            namespace, left, settings.closeTimeout());
      } finally {
        flushLock.unlock();
      }
    }
    flushLock.lock();
    try {
      if (retry != null) {
        retry.cancel(false);
      }
    } finally {
      flushLock.unlock();
    }
  }

  WriteBehindStats stats() {
    return new WriteBehindStats(
        accepted.sum(), written.sum(), settings.capacity() - space.availablePermits(), overflows.sum(),
        failedAttempts.sum(), deadLettered.sum(), undelivered.sum());
  }
}
