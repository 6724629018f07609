package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.internal.BuilderChecks;
import java.util.regex.Pattern;

/**
 * The validator of cache-timescale's builders (the checks all cache modules share) and the one
 * place identifiers are checked and quoted: every error names the field and the value (never a
 * value that may be a secret) in the same words as the other modules', and every setter may be
 * called once.
 */
final class Checks extends BuilderChecks {
  /**
   * Lower-case letters, digits and underscores, starting with a letter or underscore. Strict on
   * purpose: such names need no case folding, and quoting them can never change their meaning. At
   * most 48 characters, so that derived names (an index on the table) stay under PostgreSQL's 63.
   */
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

  private Checks() {}

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
