package dev.hotpath;

import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.cache.redis.RedisTierException;
import dev.hotpath.cache.spi.UrlMasking;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.ratelimit.RedisDownPolicy;
import dev.hotpath.ratelimit.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;

/**
 * Everything the builder makes of a configured Redis: the Lettuce client (unless the host gave
 * one), the Redis tier and the Redis-backed rate limiters, all from one client. The only class of
 * this package that touches Lettuce or cache-redis (besides {@link HotpathRedis}, which only a host
 * with Lettuce calls), so that the JVM loads them only when Redis is configured (see {@code
 * WithoutDriversTest}).
 */
final class RedisParts {
  private final RedisClient client;
  private final RedisClusterClient clusterClient;
  private final String keyPrefix;
  /** The limiters' call timeout, or null for their default. */
  private final Duration timeout;
  /** Where Redis is, for messages: the masked URL or the host's client. */
  private final String where;
  /** The tier, or null when no namespace is configured. */
  final TierPart tier;

  private RedisParts(RedisClient client, RedisClusterClient clusterClient, String keyPrefix, Duration timeout,
      String where, TierPart tier) {
    this.client = client;
    this.clusterClient = clusterClient;
    this.keyPrefix = keyPrefix;
    this.timeout = timeout;
    this.where = where;
    this.tier = tier;
  }

  /**
   * Connects: with the host's client ({@code hostClient}, never closed here) or a client made from
   * {@code url} and added to {@code closer}; then builds the tier when {@code withTier}.
   *
   * @param keyPrefix the prefix of every key, without the trailing ':'
   * @param timeout the tier's command timeout and the limiters' call timeout, or null for their defaults
   * @throws IllegalArgumentException when the URL does not parse or the prefix is refused
   * @throws IllegalStateException when Redis does not accept a connection
   */
  static RedisParts open(String url, HostRedisClient hostClient, String keyPrefix, Duration timeout, String nodeId,
      boolean withTier, Closer closer) {
    RedisTier.Builder tierBuilder = RedisTier.builder().name(TierPart.REDIS).nodeId(nodeId);
    if (timeout != null) {
      tierBuilder.commandTimeout(timeout);
    }
    try {
      tierBuilder.keyPrefix(keyPrefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("redisKeyPrefix: " + e.getMessage());
    }
    Object given = hostClient != null ? hostClient.client : null;
    RedisClient client = given instanceof RedisClient host ? host : null;
    RedisClusterClient clusterClient = given instanceof RedisClusterClient host ? host : null;
    String where = hostClient != null ? "the host's client" : "'" + UrlMasking.mask(url) + "'";
    if (hostClient == null) {
      RedisURI uri = parse(url);
      client = RedisClient.create(uri);
      RedisClient created = client;
      closer.add("redis client", () -> created.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
      // The client's own URI, given again so that the tier's logs and errors name the server (they
      // would say "via host's client" of a client the builder made).
      tierBuilder.uri(uri);
    }
    TierPart tier = null;
    if (withTier) {
      RedisTier built;
      try {
        built = closer.add("redis tier",
            (client != null ? tierBuilder.client(client) : tierBuilder.client(clusterClient)).build());
      } catch (RedisTierException e) {
        throw notConnected(where, e);
      }
      tier = new TierPart(HotpathHealth.Kind.REDIS, built, built::isCircuitOpen, () -> built.stats().unsentChanges());
    }
    return new RedisParts(client, clusterClient, keyPrefix, timeout, where, tier);
  }

  /** Lettuce's URL parser, whose messages may quote the password: neither message nor cause is kept. */
  private static RedisURI parse(String url) {
    try {
      return RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("redis is not a valid Redis URL: '" + UrlMasking.mask(url) + "'");
    }
  }

  /**
   * The one failure of build() for a Redis that does not accept a connection, whichever part met
   * it first, as build() documents. The part's own message is kept, not Lettuce's: it says plainly
   * when the server refused the login (WRONGPASS, NOAUTH), which Lettuce's "Unable to connect"
   * buries in its causes, and it never holds a password.
   */
  private static IllegalStateException notConnected(String where, RuntimeException e) {
    return new IllegalStateException("redis did not accept a connection at build() (" + where + "): "
        + UrlMasking.mask(String.valueOf(e.getMessage())), e);
  }

  /**
   * A limiter whose buckets live in Redis under {@code <prefix>:ratelimit:<name>:}, added to {@code closer}.
   *
   * @throws IllegalStateException when Redis does not accept the limiter's connection
   */
  LimiterPart rateLimiter(String name, RateLimit limit, RedisDownPolicy downPolicy, Closer closer) {
    RedisRateLimiter.Builder b = RedisRateLimiter.builder().name(name).limit(limit).downPolicy(downPolicy)
        .keyPrefix(keyPrefix + ":ratelimit:" + name + ":");
    if (timeout != null) {
      b.timeout(timeout);
    }
    RedisRateLimiter limiter;
    try {
      limiter = closer.add("rate limiter " + name, (client != null ? b.client(client) : b.client(clusterClient)).build());
    } catch (RateLimiterUnavailableException e) {
      throw notConnected(where, e);
    }
    return new LimiterPart(limiter, limiter::isRedisDown, downPolicy.failsOpen());
  }
}
