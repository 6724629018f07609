package dev.hotpath.cache.redis;

/**
 * Thrown by the tier, without a network call, while its circuit is open. The cache turns it into a
 * miss or a skipped write; it carries no stack trace because it is an expected, frequent outcome
 * during an outage.
 */
final class RedisUnavailableException extends RedisTierException {
  private static final long serialVersionUID = 1L;
  static final RedisUnavailableException INSTANCE = new RedisUnavailableException();

  private RedisUnavailableException() {
    super("Redis is unavailable: circuit open, waiting for the server to answer a probe", null, false);
  }
}
