package dev.hotpath.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The one validator for configuration values of cache-core's builders, so that every error names
 * the field and the value in the same words ({@code
 * "ttl must be positive but was PT0S"}). Values are never echoed for {@link #unset}, which may
 * guard a secret. Not a general-purpose utility: its wording is Hotpath's.
 *
 * <p>Every method throws {@link NullPointerException} naming the field for a null value.
 */
final class Arguments {
  private Arguments() {}

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  static Duration positive(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is zero or positive. @throws IllegalArgumentException otherwise */
  static Duration notNegative(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative but was " + value);
    }
    return value;
  }

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  static long positive(long value, String field) {
    if (value <= 0) {
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

  /** {@code value} if it is in [0, 1). @throws IllegalArgumentException otherwise */
  static double fraction(double value, String field) {
    if (!(value >= 0.0 && value < 1.0)) {
      throw new IllegalArgumentException(field + " must be in [0, 1) but was " + value);
    }
    return value;
  }

  /**
   * Checks that a builder field is set once.
   *
   * @throws IllegalStateException when {@code current} is not null
   */
  static void unset(Object current, String field) {
    if (current != null) {
      throw new IllegalStateException(field + " was already set");
    }
  }

  /**
   * Checks that a builder setter runs once, for fields that have a default or are inherited from
   * a prototype (where {@link #unset} cannot tell): {@code assigned} holds the fields set so far.
   * The setter adds {@code field} to it only after its value passed every check, so a refused
   * value leaves the field settable.
   *
   * @throws IllegalStateException when {@code field} was set already
   */
  static void unassigned(Set<String> assigned, String field) {
    if (assigned.contains(field)) {
      throw new IllegalStateException(field + " was already set");
    }
  }

  /** {@code value} if it is at least {@code minimum}. @throws IllegalArgumentException otherwise */
  static Duration atLeast(Duration value, Duration minimum, String field) {
    Objects.requireNonNull(value, field);
    if (value.compareTo(minimum) < 0) {
      throw new IllegalArgumentException(field + " must be at least " + minimum + " but was " + value);
    }
    return value;
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
