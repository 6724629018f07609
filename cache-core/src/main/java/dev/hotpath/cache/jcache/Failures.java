package dev.hotpath.cache.jcache;

/**
 * Failures of synchronous listeners met while an operation ran: the operation completes its change
 * first (JSR-107 reports a listener's failure, it does not undo the change), then throws the first
 * failure with the others suppressed. Not thread-safe: one per operation.
 */
final class Failures {
  private Throwable first;

  void add(Throwable failure) {
    if (first == null) {
      first = failure;
    } else if (first != failure) {
      first.addSuppressed(failure);
    }
  }

  /** The first failure, or null. */
  Throwable first() {
    return first;
  }

  /** Throws the first failure: an {@link Error} as it is, anything else as the runtime exception it is. */
  void throwIfAny() {
    if (first instanceof Error error) {
      throw error;
    }
    if (first != null) {
      throw (RuntimeException) first;
    }
  }
}
