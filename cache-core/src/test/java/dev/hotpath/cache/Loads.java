package dev.hotpath.cache;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A load's write-backs to the shared tiers run after its readers have the value (see {@code
 * LoadRunner}); tests that look at a shared tier after a read wait for them here first.
 */
public final class Loads {
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private Loads() {}

  /**
   * Returns once every load of {@code cache} started so far has finished, its write-backs
   * included; call it when no other thread starts loads.
   *
   * @throws AssertionError when loads are still running after 20 s
   */
  public static void awaitSettled(TieredCache cache) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (cache.tieredNamespaces().stream().anyMatch(ns -> ns.loadsRunning() > 0)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("loads still running after " + PATIENCE);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
