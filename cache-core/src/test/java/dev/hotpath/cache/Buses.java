package dev.hotpath.cache;

/**
 * The in-process bus delivers on a thread of its own; tests that assert what delivery did wait for
 * it here first, deterministically (a marker through the bus's queue), not by sleeping.
 */
final class Buses {
  private static final long PATIENCE_MILLIS = 20_000;

  private Buses() {}

  /** Returns once everything published on {@code bus} so far was handed to its listeners. */
  static void awaitDelivered(InvalidationBus bus) {
    ((InProcessInvalidationBus) bus).awaitDelivered(PATIENCE_MILLIS);
  }

  /** {@link #awaitDelivered(InvalidationBus)} for the bus of {@code cache}. */
  static void awaitDelivered(TieredCache cache) {
    awaitDelivered(cache.runtime().bus);
  }
}
