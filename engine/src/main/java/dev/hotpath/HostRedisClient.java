package dev.hotpath;

/**
 * The host's Lettuce client, for {@link Hotpath.Builder#redis(HostRedisClient)}: the Redis tier and
 * the rate limiters open their connections from it, and the {@link Hotpath} never closes it. Made
 * by {@link HotpathRedis#client} (standalone or Sentinel) or {@link HotpathRedis#cluster} (Redis
 * Cluster).
 *
 * <p>It names no Lettuce type in its own signatures, nor does {@code Hotpath}: a host of the
 * in-process cache has no Lettuce on its class path, and frameworks that read a type's methods by
 * reflection (Spring, Kotlin, Guava's {@code NullPointerTester}) must not need it to read {@code
 * Hotpath.Builder}'s. Immutable and thread-safe.
 */
public final class HostRedisClient {
  /** A {@code RedisClient} or a {@code RedisClusterClient}, held as Object for the reason above. */
  final Object client;
  private final String kind;

  HostRedisClient(Object client, String kind) {
    this.client = client;
    this.kind = kind;
  }

  @Override
  public String toString() {
    return "HostRedisClient[" + kind + "]";
  }
}
