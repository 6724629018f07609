package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validator of cache-timescale's builders and the one place identifiers are checked and
 * quoted: every error names the field and the value (never a value that may be a secret) in the
 * same words as the other modules', and every setter may be called once.
 */
final class Checks {
  /**
   * Lower-case letters, digits and underscores, starting with a letter or underscore. Strict on
   * purpose: such names need no case folding, and quoting them can never change their meaning. At
   * most 48 characters, so that derived names (an index on the table) stay under PostgreSQL's 63.
   */
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

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

  /** Nanoseconds of a duration, saturated instead of overflowing for huge durations. */
  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * {@code name} if it is a valid identifier (see {@link #IDENTIFIER}).
   *
   * @throws IllegalArgumentException naming {@code field} and the rejected value otherwise
   */
  static String identifier(String name, String field) {
    requireNonNull(name, field);
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          field + " must match " + IDENTIFIER.pattern() + " but was '" + name + "'");
    }
    return name;
  }

  /** {@code "schema"."name"} of two names already checked by {@link #identifier}. */
  static String qualified(String schema, String name) {
    return quote(schema) + "." + quote(name);
  }

  /** A checked identifier in double quotes; the pattern admits no quote to escape. */
  static String quote(String identifier) {
    return '"' + identifier + '"';
  }
}
