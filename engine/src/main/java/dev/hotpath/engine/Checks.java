package dev.hotpath.engine;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The engine's one validator, so every message reads the same: argument checks ({@link
 * IllegalArgumentException} with the name and the value) and the builders' rule that a value may be
 * set once ({@link IllegalStateException} "{@code <field> was already set}").
 */
final class Checks {

  private Checks() {
  }

  static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /** A positive duration in nanoseconds, saturated at Long.MAX_VALUE (about 292 years). */
  static long positiveNanos(String name, Duration value) {
    long nanos = nanos(name, value);
    if (nanos <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return nanos;
  }

  static long nonNegativeNanos(String name, Duration value) {
    long nanos = nanos(name, value);
    if (nanos < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return nanos;
  }

  private static long nanos(String name, Duration value) {
    requireNonNull(value, name);
    try {
      return value.toNanos();
    } catch (ArithmeticException e) {
      return value.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** @throws IllegalStateException "{@code <field> was already set}" when {@code set} */
  static void requireUnset(String field, boolean set) {
    if (set) {
      throw new IllegalStateException(field + " was already set");
    }
  }

  /** {@code a + b}, saturated instead of overflowing. */
  static long plus(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }
}
