package dev.hotpath.benchmarks;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.CacheBuilder;
import com.alicp.jetcache.CacheUtil;
import com.alicp.jetcache.MultiLevelCache;
import com.alicp.jetcache.SimpleCacheManager;
import com.alicp.jetcache.anno.CacheConsts;
import com.alicp.jetcache.anno.CacheType;
import com.alicp.jetcache.embedded.CaffeineCacheBuilder;
import com.alicp.jetcache.redis.lettuce.LettuceConnectionManager;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheBuilder;
import com.alicp.jetcache.support.JavaValueDecoder;
import com.alicp.jetcache.support.JavaValueEncoder;
import com.alicp.jetcache.template.CacheBuilderTemplate;
import com.alicp.jetcache.template.NotifyMonitorInstaller;
import com.alicp.jetcache.template.QuickConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.Map;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.api.options.LocalCachedMapOptions.CacheProvider;
import org.redisson.api.options.LocalCachedMapOptions.ReconnectionStrategy;
import org.redisson.api.options.LocalCachedMapOptions.SyncStrategy;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * The two-level peers, each built the way its documentation builds it for the job a namespace with
 * a Redis tier and cross-node invalidation does. One object is one node: its own Redis client and
 * connections, its own local cache, its own invalidation subscription, so two objects in one JVM
 * behave as two processes would. {@link RedisTierReadBenchmark} and {@link
 * InvalidationLatencyBenchmark} build them here, so both measure the same configuration.
 *
 * <p>What is the same as Hotpath's namespace: {@code String} keys and values; the local (L1) TTL and
 * size bound and the Redis TTL given by the caller; a Caffeine local cache; invalidation (not
 * update) of other nodes' local copies on every change, over Redis pub/sub.
 *
 * <p>What is each library's own: the bytes in Redis. Hotpath stores its versioned payload (a 4-byte
 * header and the UTF-8 string) under a string key. JetCache stores its {@code CacheValueHolder}
 * (the value, its expiry and access times) encoded by its default value encoder, Java
 * serialization, under a string key. Redisson's {@code RLocalCachedMap} stores UTF-8 strings
 * ({@code StringCodec}) as fields of one Redis hash, which has no per-entry TTL: its Redis copy never
 * expires (an {@code RMapCache} would add per-entry expiry at the cost of a script per write).
 */
final class TwoLevelPeers {
  private TwoLevelPeers() {}

  /**
   * A JetCache 2.7 cache of {@code CacheType.BOTH}: a Caffeine local cache in front of a Lettuce
   * remote cache, {@code syncLocal(true)} so that every put and remove is broadcast on a Redis
   * channel and other nodes drop their local copy. Built without Spring, as JetCache's own {@code
   * SimpleCacheManager} tests build it: a builder template per level, and the {@code
   * NotifyMonitorInstaller} that Spring's configuration installs for {@code syncLocal}.
   */
  static final class JetCacheNode implements AutoCloseable {
    private final RedisClient client;
    private final SimpleCacheManager manager;
    final Cache<String, String> cache;

    /**
     * @param keyPrefix prefix of the Redis keys; the cache name is appended to it
     * @param channel the broadcast channel; nodes that share a cache share it
     */
    JetCacheNode(BenchRedis redis, String keyPrefix, String channel, String cacheName,
        Duration localTtl, long localLimit, Duration redisTtl) {
      client = RedisClient.create(redis.uri());
      RedisLettuceCacheBuilder.RedisLettuceCacheBuilderImpl remote =
          RedisLettuceCacheBuilder.createRedisLettuceCacheBuilder()
              .redisClient(client)
              .pubSubConnection(client.connectPubSub(ByteArrayCodec.INSTANCE))
              .broadcastChannel(channel)
              .keyPrefix(keyPrefix)
              // JetCache's defaults, named so that the encoding the Javadoc describes is visible here.
              .valueEncoder(JavaValueEncoder.INSTANCE)
              .valueDecoder(JavaValueDecoder.INSTANCE);
      Map<String, CacheBuilder> locals =
          Map.of(CacheConsts.DEFAULT_AREA, CaffeineCacheBuilder.createCaffeineCacheBuilder());
      Map<String, CacheBuilder> remotes = Map.of(CacheConsts.DEFAULT_AREA, remote);
      CacheBuilderTemplate template = new CacheBuilderTemplate(false, locals, remotes);
      template.getCacheMonitorInstallers().add(new NotifyMonitorInstaller(remotes::get));
      manager = new SimpleCacheManager();
      manager.setCacheBuilderTemplate(template);
      cache = manager.getOrCreateCache(QuickConfig.newBuilder(cacheName)
          .cacheType(CacheType.BOTH)
          .syncLocal(true)
          .localLimit(Math.toIntExact(localLimit))
          .localExpire(localTtl)
          .expire(redisTtl)
          .build());
    }

    /** The local (Caffeine) level alone: what this node holds in process. */
    Cache<String, String> local() {
      return level(0);
    }

    /** The Redis level alone. */
    Cache<String, String> remote() {
      return level(1);
    }

    @SuppressWarnings("unchecked")
    private Cache<String, String> level(int index) {
      return ((MultiLevelCache<String, String>) CacheUtil.getAbstractCache(cache)).caches()[index];
    }

    @Override
    public void close() {
      manager.close();
      // JetCache keeps the command connection per client and leaves it open on close.
      LettuceConnectionManager.defaultManager().removeAndClose(client);
      client.shutdown();
    }
  }

  /**
   * A Redisson {@code RLocalCachedMap}: a Caffeine local cache ({@code CacheProvider.CAFFEINE}) in
   * front of a Redis hash, {@code SyncStrategy.INVALIDATE} (a change drops other nodes' local copy)
   * and {@code ReconnectionStrategy.CLEAR} (a node that reconnects clears its local cache, as a
   * Hotpath node clears the L1 of its shared namespaces). Its local cache is keyed by a hash of the
   * key's encoding: Redisson refuses {@code useObjectAsCacheKey(true)}, keying by the key itself,
   * with the Caffeine provider.
   */
  static final class RedissonNode implements AutoCloseable {
    private final RedissonClient client;
    final RLocalCachedMap<String, String> map;

    RedissonNode(BenchRedis redis, String mapName, Duration localTtl, long localLimit) {
      Config config = new Config();
      config.setCodec(StringCodec.INSTANCE);
      config.useSingleServer()
          .setAddress("redis://" + redis.uri().getHost() + ":" + redis.uri().getPort())
          .setConnectionMinimumIdleSize(1)
          .setConnectionPoolSize(4);
      client = Redisson.create(config);
      map = client.getLocalCachedMap(LocalCachedMapOptions.<String, String>name(mapName)
          .codec(StringCodec.INSTANCE)
          .cacheProvider(CacheProvider.CAFFEINE)
          .cacheSize(Math.toIntExact(localLimit))
          .timeToLive(localTtl)
          .syncStrategy(SyncStrategy.INVALIDATE)
          .reconnectionStrategy(ReconnectionStrategy.CLEAR));
    }

    /** The value this node holds in process for {@code key}; null when none. */
    String local(String key) {
      return map.getCachedMap().get(key);
    }

    @Override
    public void close() {
      client.shutdown();
    }
  }
}
