package dev.hotpath.cache.redis;

import dev.hotpath.cache.internal.BuilderChecks;

/**
 * The validator of cache-redis's builders: the checks all cache modules share, so every error
 * names the field and the value (never a value that may be a secret) in the same words as the
 * other modules' ({@code "commandTimeout must be positive but was PT0S"}), and every setter may be
 * called once.
 */
final class Checks extends BuilderChecks {
  private Checks() {}
}
