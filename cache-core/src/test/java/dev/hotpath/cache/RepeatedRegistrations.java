package dev.hotpath.cache;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
  private RepeatedRegistrations() {}

  /**
   * Binds with {@code bind} to a fresh registry from 8 threads at once, 20 times over, and fails
   * unless each time every meter is registered exactly once (as many as one bind registers in
   * another registry) and a later bind registers none again.
   */
  public static void checkEightThreadsRegisterOnce(Consumer<MeterRegistry> bind) throws Exception {
    SimpleMeterRegistry reference = new SimpleMeterRegistry();
    bind.accept(reference);
    int meters = reference.getMeters().size();
    for (int round = 0; round < 20; round++) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      int registrations = concurrently(registry, 8, () -> bind.accept(registry));
      check(registrations == meters, "registrations of " + meters + " meters: " + registrations);
      check(registry.getMeters().size() == meters, "meters: " + registry.getMeters().size() + ", expected " + meters);
      int again = during(registry, () -> bind.accept(registry));
      check(again == 0, "registered again by a later bind: " + again);
    }
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
   */
  public static int concurrently(MeterRegistry registry, int threads, Runnable bind) throws Exception {
    if (!registry.getMeters().isEmpty()) {
      throw new IllegalArgumentException("the registry has meters already");
    }
    AtomicInteger registrations = new AtomicInteger();
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        registrations.incrementAndGet();
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
}
