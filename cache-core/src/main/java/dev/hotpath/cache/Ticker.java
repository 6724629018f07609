package dev.hotpath.cache;

/**
 * A source of nanosecond time for TTLs and latency, injectable so tests advance time instead of
 * sleeping. Only differences between readings are meaningful. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds since an arbitrary fixed origin. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
