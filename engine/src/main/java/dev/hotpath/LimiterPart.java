package dev.hotpath;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** A rate limiter the builder created, with what its health is read from. Holds no driver type. */
final class LimiterPart {
  final RateLimiter limiter;
  private final BooleanSupplier redisDown;
  private final boolean failsOpen;

  /**
   * @param redisDown whether a Redis-backed limiter answers by its down policy now
   * @param failsOpen whether that policy answers from a local share (else calls throw)
   */
  LimiterPart(RateLimiter limiter, BooleanSupplier redisDown, boolean failsOpen) {
    this.limiter = limiter;
    this.redisDown = redisDown;
    this.failsOpen = failsOpen;
  }

  /** A limiter of this process alone, for a Hotpath without Redis. */
  static LimiterPart local(String name, RateLimit limit) {
    return new LimiterPart(LocalRateLimiter.builder().name(name).limit(limit).build(), () -> false, false);
  }

  /**
   * The limiter of that name among {@code limiters}.
   *
   * @throws IllegalArgumentException when there is none
   */
  static RateLimiter find(Map<String, LimiterPart> limiters, String name) {
    LimiterPart part = limiters.get(requireNonNull(name, "name"));
    if (part == null) {
      throw new IllegalArgumentException("no rateLimiter '" + name + "'; configured: " + limiters.keySet());
    }
    return part.limiter;
  }

  HotpathHealth.Part health() {
    String name = limiter.name();
    if (!redisDown.getAsBoolean()) {
      return new HotpathHealth.Part(HotpathHealth.Kind.RATE_LIMITER, name, Status.UP,
          limiter instanceof LocalRateLimiter ? "local buckets" : "buckets in Redis");
    }
    return failsOpen
        ? new HotpathHealth.Part(HotpathHealth.Kind.RATE_LIMITER, name, Status.DEGRADED,
            "Redis did not answer: a local share of the limit answers (RedisDownPolicy.failOpen)")
        : new HotpathHealth.Part(HotpathHealth.Kind.RATE_LIMITER, name, Status.DOWN,
            "Redis did not answer: calls throw RateLimiterUnavailableException (RedisDownPolicy.failClosed)");
  }
}
