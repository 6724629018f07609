package dev.hotpath;

import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisDownPolicy;
import dev.hotpath.ratelimit.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;

/**
 * Everything the builder makes of a configured Redis: the Lettuce client (unless the host gave
 * one), the Redis tier and the Redis-backed rate limiters, all from one client. The only class of
 * this package that touches Lettuce or cache-redis, so that the JVM loads them only when Redis is
 * configured (see {@code WithoutDriversTest}).
 */
final class RedisParts {
  private final RedisClient client;
  private final RedisClusterClient clusterClient;
  private final String keyPrefix;
  /** The limiters' call timeout, or null for their default. */
  private final Duration timeout;
  /** The tier, or null when no namespace is configured. */
  final TierPart tier;

  private RedisParts(RedisClient client, RedisClusterClient clusterClient, String keyPrefix, Duration timeout,
      TierPart tier) {
    this.client = client;
    this.clusterClient = clusterClient;
    this.keyPrefix = keyPrefix;
    this.timeout = timeout;
    this.tier = tier;
  }

  /**
   * Connects: with the host's client ({@code hostClient}, a {@link RedisClient} or {@link
   * RedisClusterClient}, never closed here) or a client made from {@code url} and added to {@code
   * closer}; then builds the tier when {@code withTier}.
   *
   * @param keyPrefix the prefix of every key, without the trailing ':'
   * @param timeout the tier's command timeout and the limiters' call timeout, or null for their defaults
   * @throws IllegalArgumentException when the URL does not parse or the prefix is refused
   */
  static RedisParts open(String url, Object hostClient, String keyPrefix, Duration timeout, String nodeId,
      boolean withTier, Closer closer) {
    RedisTier.Builder tierBuilder = RedisTier.builder().nodeId(nodeId);
    if (timeout != null) {
      tierBuilder.commandTimeout(timeout);
    }
    try {
      tierBuilder.keyPrefix(keyPrefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("redisKeyPrefix: " + e.getMessage());
    }
    RedisClient client = hostClient instanceof RedisClient host ? host : null;
    RedisClusterClient clusterClient = hostClient instanceof RedisClusterClient host ? host : null;
    if (hostClient == null) {
      client = RedisClient.create(parse(url));
      RedisClient created = client;
      closer.add("redis client", () -> created.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
    TierPart tier = null;
    if (withTier) {
      RedisTier built = closer.add("redis tier",
          (client != null ? tierBuilder.client(client) : tierBuilder.client(clusterClient)).build());
      tier = new TierPart(HotpathHealth.Kind.REDIS, built, built::isCircuitOpen, () -> built.stats().unsentChanges());
    }
    return new RedisParts(client, clusterClient, keyPrefix, timeout, tier);
  }

  /** Lettuce's URL parser, whose messages may quote the password: neither message nor cause is kept. */
  private static RedisURI parse(String url) {
    try {
      return RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("redis is not a valid Redis URL: '" + Urls.masked(url) + "'");
    }
  }

  /** A limiter whose buckets live in Redis under {@code <prefix>:ratelimit:<name>:}, added to {@code closer}. */
  LimiterPart rateLimiter(String name, RateLimit limit, RedisDownPolicy downPolicy, Closer closer) {
    RedisRateLimiter.Builder b = RedisRateLimiter.builder().name(name).limit(limit).downPolicy(downPolicy)
        .keyPrefix(keyPrefix + ":ratelimit:" + name + ":");
    if (timeout != null) {
      b.timeout(timeout);
    }
    RedisRateLimiter limiter = closer.add("rate limiter " + name,
        (client != null ? b.client(client) : b.client(clusterClient)).build());
    return new LimiterPart(limiter, limiter::isRedisDown, downPolicy.failsOpen());
  }
}
