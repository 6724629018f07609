package dev.hotpath.cache.redis;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The bus thread's to-do list: channel messages, Redis's reports of changed keys and this JVM's
 * published events wait here for the bus thread, at most {@code capacity} of them. It exists
 * apart from the bus because "never grow without bound, never block the thread that offers" has
 * one mechanism, and each kind of work has its own answer to "what if it does not fit", which the
 * offerer gives: a dropped channel message is in the log (the bus reads it from there), a dropped
 * published event of a namespace other nodes hear of is in the log too, and the others are
 * replaced by something coarser. Those answers run after the drain that follows ({@code
 * afterOverflow}), on the bus thread.
 *
 * <p>One drain at a time runs on the tier's background thread (the bus thread), a batch per run so
 * that the circuit's probe and the periodic reconcile, which share the thread, get their turn.
 * Thread-safe: {@link #offer} may be called from any thread and never blocks.
 */
final class BusInbox {
  /** Items the inbox holds by default: as many as the log keeps. */
  static final int DEFAULT_CAPACITY = 10_000;
  private static final int BATCH = 512;

  private final ArrayBlockingQueue<Runnable> tasks;
  private final Executor thread;
  private final Consumer<Runnable> runner;
  private final Runnable afterOverflow;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final LongAdder dropped = new LongAdder();
  /** Something was dropped since {@code afterOverflow} last ran. */
  private volatile boolean overflowed;

  /**
   * @param thread where drains run
   * @param runner runs one task on the bus thread (the bus's error handling and end-of-task work)
   * @param afterOverflow runs on the bus thread after a drain once something was dropped
   */
  BusInbox(int capacity, Executor thread, Consumer<Runnable> runner, Runnable afterOverflow) {
    this.tasks = new ArrayBlockingQueue<>(capacity);
    this.thread = thread;
    this.runner = runner;
    this.afterOverflow = afterOverflow;
  }

  /**
   * Queues {@code task} for the bus thread; when the inbox is full, runs {@code ifDropped} in this
   * thread instead (it must only note what to do later) and has {@code afterOverflow} run soon.
   */
  void offer(Runnable task, Runnable ifDropped) {
    if (!tasks.offer(task)) {
      dropped.increment();
      ifDropped.run();
      overflowed = true;
    }
    drainSoon();
  }

  /** Items dropped because the inbox was full. */
  long dropped() {
    return dropped.sum();
  }

  private void drainSoon() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      thread.execute(this::drain);
    } catch (RejectedExecutionException closing) {
      draining.set(false);
    }
  }

  private void drain() {
    try {
      for (int i = 0; i < BATCH; i++) {
        Runnable task = tasks.poll();
        if (task == null) {
          break;
        }
        runner.accept(task);
      }
      if (overflowed) {
        overflowed = false;
        runner.accept(afterOverflow);
      }
    } finally {
      draining.set(false);
      // Offered while this drain was ending: the offerer found the flag set and left it to us.
      if (!tasks.isEmpty() || overflowed) {
        drainSoon();
      }
    }
  }
}
