package dev.hotpath.cache.redis;

import dev.hotpath.cache.CacheException;

/**
 * A Redis tier operation failed: no answer within the command timeout, a connection failure, or
 * (as {@code RedisUnavailableException}) refused while the tier's circuit is open. The cache counts
 * these as tier errors and serves without the tier; callers of the cache never see them. {@link
 * RedisTier.Builder#build()} throws it when Redis cannot be reached or refuses the login.
 */
public class RedisTierException extends CacheException {
  private static final long serialVersionUID = 1L;

  RedisTierException(String message, Throwable cause) {
    super(message, cause);
  }

  RedisTierException(String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, writableStackTrace);
  }
}
