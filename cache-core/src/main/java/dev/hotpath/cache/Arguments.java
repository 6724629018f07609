package dev.hotpath.cache;

import java.time.Duration;
import java.util.Objects;

/** The one validator for configuration values, so every error names the field and the value alike. */
final class Arguments {
  private Arguments() {}

  static Duration positive(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  static Duration notNegative(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative but was " + value);
    }
    return value;
  }

  static long positive(long value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  static int positive(int value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive but was " + value);
    }
    return value;
  }

  static double fraction(double value, String field) {
    if (!(value >= 0.0 && value < 1.0)) {
      throw new IllegalArgumentException(field + " must be in [0, 1) but was " + value);
    }
    return value;
  }

  static void unset(Object current, String field) {
    if (current != null) {
      throw new IllegalStateException(field + " was already set to " + current);
    }
  }

  /** Nanoseconds of a positive duration, saturated instead of overflowing for huge durations. */
  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
