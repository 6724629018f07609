package dev.hotpath.cache;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Counts the registrations of meters a registry already has: what a {@code bindTo} that binds
 * again does. Micrometer answers such a registration with the meter it has (and a warning logged
 * once per JVM), so neither the meter list nor a value shows it; this makes it countable.
 *
 * <p>How: a filter added to a registry that has meters marks their ids stale, and Micrometer runs
 * the filters again on the next registration of each stale id before it finds the existing meter.
 * The filter counts those calls for the ids present before. Works once per call of {@link
 * #during}; the filter stays on the registry but changes no id.
 */
public final class RepeatedRegistrations {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final long HOLD_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private RepeatedRegistrations() {}

  /**
   * Binds with {@code bind} to a fresh registry from 8 threads at once ({@link #concurrently}, which
   * forces them to overlap), and fails unless every meter is registered exactly once (as many as
   * one bind registers in another registry), every thread returns with all the meters there, and a
   * later bind registers none again.
   */
  public static void checkEightThreadsRegisterOnce(Consumer<MeterRegistry> bind) throws Exception {
    SimpleMeterRegistry reference = new SimpleMeterRegistry();
    bind.accept(reference);
    int meters = reference.getMeters().size();
    check(meters > 0, "the bind registers no meter, so there is nothing to check");
    // One round is enough: concurrently forces the overlap rather than hoping for it.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    int registrations = concurrently(registry, 8, () -> {
      bind.accept(registry);
      // Whichever thread registered, every caller returns with the meters there.
      check(registry.getMeters().size() == meters,
          "a bind returned with " + registry.getMeters().size() + " of " + meters + " meters");
    });
    check(registrations == meters, "registrations of " + meters + " meters: " + registrations);
    check(registry.getMeters().size() == meters, "meters: " + registry.getMeters().size() + ", expected " + meters);
    int again = during(registry, () -> bind.accept(registry));
    check(again == 0, "registered again by a later bind: " + again);
  }

  private static void check(boolean holds, String failure) {
    if (!holds) {
      throw new AssertionError(failure);
    }
  }

  /** Runs {@code bind} (may be multi-threaded) and returns how many meters it registered again in {@code registry}. */
  public static int during(MeterRegistry registry, Runnable bind) {
    Set<Meter.Id> present = registry.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());
    AtomicInteger again = new AtomicInteger();
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (present.contains(id)) {
          again.incrementAndGet();
        }
        return id;
      }
    });
    bind.run();
    return again.get();
  }

  /**
   * Runs {@code bind} in {@code threads} threads released at once, into {@code registry}, which must
   * have no meters yet, and returns how many registrations reached Micrometer's filters: one per
   * meter when only one thread registered, more when several did. Rethrows what a thread threw.
   *
   * <p>The overlap is forced, not left to chance: the first registration waits until every other
   * thread has called {@code bind} and then either registered a meter itself (so the binds overlap
   * and more than one registers: the count shows it) or waits for a lock the first thread holds (a
   * once-per-registry guard serialising them: it is checked when they get the lock). Neither wait
   * depends on timing; if the other threads do neither within 30 seconds this fails with their
   * states rather than hang.
   */
  private static int concurrently(MeterRegistry registry, int threads, Runnable bind) throws Exception {
    if (!registry.getMeters().isEmpty()) {
      throw new IllegalArgumentException("the registry has meters already");
    }
    Set<Thread> binding = ConcurrentHashMap.newKeySet();
    Set<Thread> registering = ConcurrentHashMap.newKeySet();
    AtomicBoolean first = new AtomicBoolean(true);
    AtomicInteger registrations = new AtomicInteger();
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        registrations.incrementAndGet();
        registering.add(Thread.currentThread());
        // Micrometer runs the filters outside its own lock, so holding the first registration here
        // keeps its meter out of the registry without keeping other threads from registering.
        if (first.compareAndSet(true, false)) {
          holdUntilOthersOverlap(threads, binding, registering);
        }
        return id;
      }
    });
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> binds = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        binds.add(pool.submit(() -> {
          ready.countDown();
          start.await();
          // Counted before bind, not inside it: a guarded bind blocks before it registers anything.
          binding.add(Thread.currentThread());
          bind.run();
          return null;
        }));
      }
      if (!ready.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the binding threads did not start");
      }
      start.countDown();
      for (Future<?> f : binds) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return registrations.get();
  }

  /**
   * In the first registering thread: returns once all {@code threads} are binding and another one
   * has registered a meter too, or every other one waits for a lock this thread holds.
   */
  private static void holdUntilOthersOverlap(int threads, Set<Thread> binding, Set<Thread> registering) {
    Thread self = Thread.currentThread();
    long deadline = System.nanoTime() + HOLD_LIMIT_NANOS;
    while (true) {
      if (binding.size() == threads) {
        if (registering.size() > 1) {
          return;
        }
        if (binding.stream().filter(t -> t != self).allMatch(t -> waitsForLockOf(t, self))) {
          return;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the first registration waited 30 s for the other binding threads to register"
            + " or to wait for its lock; binding " + binding.size() + " of " + threads + ": " + states(binding));
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while holding the first registration", e);
      }
    }
  }

  /** Whether {@code t} is blocked on a monitor, or parked on a lock, that {@code owner} holds. */
  private static boolean waitsForLockOf(Thread t, Thread owner) {
    ThreadInfo info = THREADS.getThreadInfo(t.getId());
    return info != null && info.getLockOwnerId() == owner.getId();
  }

  private static String states(Set<Thread> threads) {
    return threads.stream().map(t -> t.getName() + " " + t.getState()).collect(Collectors.joining(", "));
  }
}
