package dev.hotpath.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a {@link WarmupPlan}: strategies in parallel on threads of their own, cut off at the deadline. */
final class WarmupRun {
  private static final Logger LOG = LoggerFactory.getLogger(WarmupRun.class);
  /** How long a run waits for interrupted strategies to stop (they must stop soon: {@link WarmupStrategy}). */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final WarmupPlan plan;
  private final TieredCache cache;
  private final ScheduledExecutorService scheduler;

  WarmupRun(WarmupPlan plan, TieredCache cache, ScheduledExecutorService scheduler) {
    this.plan = plan;
    this.cache = cache;
    this.scheduler = scheduler;
  }

  /** Repeats the plan on its interval, from now on. */
  void schedule() {
    long every = plan.repeatEvery().toNanos();
    scheduler.scheduleWithFixedDelay(this::runQuietly, every, every, TimeUnit.NANOSECONDS);
  }

  private void runQuietly() {
    try {
      WarmupReport report = run();
      if (!report.isComplete()) {
        LOG.warn("scheduled warmup incomplete: {}", report);
      }
    } catch (RuntimeException e) {
      LOG.error("scheduled warmup failed", e);
    }
  }

  WarmupReport run() {
    long start = System.nanoTime();
    long deadline = start + plan.deadline().toNanos();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(plan.parallelism(), plan.strategies().size()), TieredCache.daemon("hotpath-warmup"));
    List<Tracker> trackers = new ArrayList<>();
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (WarmupStrategy strategy : plan.strategies()) {
        Tracker tracker = new Tracker(strategy.name());
        trackers.add(tracker);
        futures.add(
            pool.submit(
                () -> {
                  strategy.warm(cache, tracker);
                  return null;
                }));
      }
      List<WarmupReport.Result> results = new ArrayList<>();
      for (int i = 0; i < futures.size(); i++) {
        results.add(await(futures.get(i), trackers.get(i), deadline));
      }
      WarmupReport report = new WarmupReport(results, Duration.ofNanos(System.nanoTime() - start));
      if (plan.listener() != null) {
        plan.listener().onFinished(report);
      }
      return report;
    } finally {
      stop(pool);
    }
  }

  /**
   * Interrupts the strategies still running (past the deadline, or the run was interrupted) and
   * waits, up to {@link #STOP_GRACE}, for them to stop: a cache closed once the run returned is
   * then no longer written to by it. Waits even when this thread is interrupted (close() interrupts
   * it to cut the run short), and keeps the interrupt.
   */
  private static void stop(ExecutorService pool) {
    pool.shutdownNow();
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    try {
      while (true) {
        try {
          if (!pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            LOG.warn("warmup strategies still run {} after they were interrupted; the run returns without them",
                STOP_GRACE);
          }
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static WarmupReport.Result await(Future<?> future, Tracker tracker, long deadline) {
    try {
      future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return tracker.result(WarmupReport.Status.COMPLETED, null);
    } catch (TimeoutException e) {
      future.cancel(true);
      return tracker.result(WarmupReport.Status.TIMED_OUT, null);
    } catch (ExecutionException e) {
      LOG.warn("warmup strategy '{}' failed", tracker.name, e.getCause());
      return tracker.result(WarmupReport.Status.FAILED, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      return tracker.result(WarmupReport.Status.TIMED_OUT, null);
    }
  }

  /** One strategy's progress, forwarded to the plan's listener. */
  private final class Tracker implements WarmupProgress {
    final String name;
    private final AtomicLong done = new AtomicLong();
    private volatile long total = -1;

    Tracker(String name) {
      this.name = name;
    }

    @Override
    public void total(long entries) {
      total = entries;
      notifyListener(done.get());
    }

    @Override
    public void completed(long entries) {
      notifyListener(done.addAndGet(entries));
    }

    private void notifyListener(long doneNow) {
      if (plan.listener() != null) {
        plan.listener().onProgress(name, doneNow, total);
      }
    }

    WarmupReport.Result result(WarmupReport.Status status, Throwable failure) {
      return new WarmupReport.Result(name, status, done.get(), total, failure);
    }
  }
}
