package dev.hotpath.cache.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The checks every Hotpath cache module's builders share, so that every error names the field and
 * the value in the same words ({@code "ttl must be positive but was PT0S"}) whichever module
 * refuses it. Values are never echoed for {@link #unset}, which may guard a secret.
 *
 * <p><b>Not API.</b> Public only because Java has no other way to share code between modules
 * without a module system; it may change in any release. Each module's package-private validator
 * ({@code Arguments}, {@code Checks}) extends it for its static methods and adds its own checks,
 * so call sites read {@code Checks.positive(...)} in every module.
 *
 * <p>Every method throws {@link NullPointerException} naming the field for a null value.
 */
public class BuilderChecks {
  /** For the modules' validators, which only inherit the static methods. */
  protected BuilderChecks() {}

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  public static Duration positive(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  public static int positive(int value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is positive. @throws IllegalArgumentException otherwise */
  public static long positive(long value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is at least {@code minimum}. @throws IllegalArgumentException otherwise */
  public static Duration atLeast(Duration value, Duration minimum, String field) {
    Objects.requireNonNull(value, field);
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
  public static void unset(Object current, String field) {
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
  public static void unassigned(Set<String> assigned, String field) {
    if (assigned.contains(field)) {
      throw new IllegalStateException(field + " was already set");
    }
  }

  /** Nanoseconds of a duration, saturated instead of overflowing for huge durations. */
  public static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
