package dev.hotpath.cache;

import dev.hotpath.cache.internal.BuilderChecks;
import java.time.Duration;
import java.util.Objects;

/**
 * The one validator for configuration values of cache-core's builders: the checks all cache
 * modules share ({@link BuilderChecks}) and cache-core's own, in the same words ({@code
 * "ttl must be positive but was PT0S"}). Not a general-purpose utility: its wording is Hotpath's.
 *
 * <p>Every method throws {@link NullPointerException} naming the field for a null value.
 */
final class Arguments extends BuilderChecks {
  private Arguments() {}

  /** {@code value} if it is zero or positive. @throws IllegalArgumentException otherwise */
  static Duration notNegative(Duration value, String field) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative but was " + value);
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
}
