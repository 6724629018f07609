package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The one validator for values at the API boundary, so every message reads the same: argument
 * checks ({@link IllegalArgumentException}, the value in the message) and the builders' rule that a
 * value may be set once ({@link IllegalStateException} "{@code <field> was already set}").
 */
final class Checks {

  private Checks() {
  }

  static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

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

  /** A duration in nanoseconds, saturated at Long.MAX_VALUE (about 292 years means "forever"). */
  static long nanos(String name, Duration value) {
    requireNonNull(value, name);
    try {
      return value.toNanos();
    } catch (ArithmeticException e) {
      return value.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * A builder value may be set once: throws if {@code current}, the value set so far, is not null.
   * The message shows it, so pass only values that print well and hold no secret.
   *
   * @throws IllegalStateException "{@code <field> was already set to <current>}"
   */
  static void requireUnset(String field, Object current) {
    if (current != null) {
      throw new IllegalStateException(field + " was already set to " + current);
    }
  }

  /**
   * {@link #requireUnset(String, Object)} for values that do not print well (clocks, executors,
   * Redis clients, functions).
   *
   * @throws IllegalStateException "{@code <field> was already set}"
   */
  static void requireUnset(String field, boolean set) {
    if (set) {
      throw new IllegalStateException(field + " was already set");
    }
  }
}
