package dev.hotpath.cache.redis;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The validator of cache-redis's builders: every error names the field and the value (never a
 * value that may be a secret) in the same words as the other modules' ({@code "commandTimeout must
 * be positive but was PT0S"}), and every setter may be called once.
 */
final class Checks {
  private Checks() {}

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  static Duration positive(Duration value, String field) {
    requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  static int positive(int value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is at least {@code minimum}. @throws IllegalArgumentException otherwise */
  static Duration atLeast(Duration value, Duration minimum, String field) {
    requireNonNull(value, field);
    if (value.compareTo(minimum) < 0) {
      throw new IllegalArgumentException(field + " must be at least " + minimum + " but was " + value);
    }
    return value;
  }

  /**
   * Checks that a builder field is set once; the value is never echoed, since it may be a secret.
   *
   * @throws IllegalStateException when {@code current} is not null
   */
  static void unset(Object current, String field) {
    if (current != null) {
      throw new IllegalStateException(field + " was already set");
    }
  }

  /** Nanoseconds of a duration, saturated instead of overflowing for huge durations. */
  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
