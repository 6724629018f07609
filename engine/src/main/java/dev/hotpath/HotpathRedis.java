package dev.hotpath;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * Hands the host's Lettuce client to {@link Hotpath.Builder#redis(HostRedisClient)}:
 *
 * <pre>{@code
 * Hotpath.builder().redis(HotpathRedis.client(lettuceClient))...
 * }</pre>
 *
 * <p>The one type of the builder's API that names Lettuce, kept out of {@code Hotpath}'s own
 * signatures (see {@link HostRedisClient}); using it needs {@code hotpath-cache-redis} and Lettuce
 * on the class path, as any Redis does.
 */
public final class HotpathRedis {
  private HotpathRedis() {}

  /**
   * Redis through the host's standalone or Sentinel client.
   *
   * @throws NullPointerException if client is null
   */
  public static HostRedisClient client(RedisClient client) {
    return new HostRedisClient(requireNonNull(client, "client"), "standalone or Sentinel");
  }

  /**
   * Redis Cluster through the host's cluster client.
   *
   * @throws NullPointerException if client is null
   */
  public static HostRedisClient cluster(RedisClusterClient client) {
    return new HostRedisClient(requireNonNull(client, "client"), "cluster");
  }
}
