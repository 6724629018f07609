package dev.hotpath.cache.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How a Redis tier opens its connections, and from which Lettuce client: the host's, used as the
 * host configured it, or one of the tier's own, created with the options the tier's outage
 * handling relies on (bounded connects, commands rejected at once while reconnecting). It exists
 * apart from {@link RedisTier.Builder} so that the builder reads as settings and their checks, and
 * what the tier asks of Lettuce sits in one place. Standalone and Sentinel share one shape, Cluster
 * has the other; the rest of the tier sees only {@link RedisClusterAsyncCommands}.
 */
final class RedisConnector {
  private final Function<RedisLink, RedisClusterAsyncCommands<byte[], byte[]>> commands;
  private final Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> channel;
  /**
   * Whether the bus can ask Redis to report changes made by others (client tracking): on
   * standalone and Sentinel; not in Cluster, where tracking is per node and the tier does not
   * follow the topology (see {@link RedisTier}).
   */
  final boolean canTrackRedisChanges;

  private RedisConnector(
      Function<RedisLink, RedisClusterAsyncCommands<byte[], byte[]>> commands,
      Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> channel,
      boolean canTrackRedisChanges) {
    this.commands = commands;
    this.channel = channel;
    this.canTrackRedisChanges = canTrackRedisChanges;
  }

  /**
   * A standalone or Sentinel server, through {@code hostClient} or, when it is null, a client of
   * the tier's own, which is added to {@code owned}.
   *
   * @param uri where to connect, or null for the host client's own URI
   */
  static RedisConnector standalone(RedisClient hostClient, RedisURI uri, Duration timeout, List<AutoCloseable> owned) {
    RedisClient c = hostClient;
    if (c == null) {
      c = RedisClient.create();
      c.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              // While reconnecting, fail at once instead of queueing: the breaker handles it.
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .timeoutOptions(TimeoutOptions.enabled(timeout))
              .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout(timeout)).build())
              .build());
      RedisClient created = c;
      owned.add(() -> created.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
    RedisClient connecting = c;
    Function<RedisLink, RedisClusterAsyncCommands<byte[], byte[]>> commands =
        link -> {
          StatefulRedisConnection<byte[], byte[]> opened =
              uri != null ? connecting.connect(ByteArrayCodec.INSTANCE, uri) : connecting.connect(ByteArrayCodec.INSTANCE);
          link.own(opened);
          opened.addListener(
              new RedisConnectionStateListener() {
                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                  link.reconnected();
                }
              });
          return opened.async();
        };
    Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> channel =
        () -> uri != null
            ? connecting.connectPubSub(ByteArrayCodec.INSTANCE, uri)
            : connecting.connectPubSub(ByteArrayCodec.INSTANCE);
    return new RedisConnector(commands, channel, true);
  }

  /**
   * A Redis Cluster, through {@code hostClient} or, when it is null, a client of the tier's own for
   * {@code seeds}, which is added to {@code owned}.
   */
  static RedisConnector cluster(
      RedisClusterClient hostClient, List<RedisURI> seeds, Duration timeout, List<AutoCloseable> owned) {
    RedisClusterClient c = hostClient;
    if (c == null) {
      c = RedisClusterClient.create(seeds);
      c.setOptions(
          // Not REJECT_COMMANDS here: Lettuce opens node connections lazily and would reject the
          // first commands to each node. Calls stay bounded by our own timeout and the breaker.
          ClusterClientOptions.builder()
              .autoReconnect(true)
              .timeoutOptions(TimeoutOptions.enabled(timeout))
              .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout(timeout)).build())
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofSeconds(30))
                      .enableAllAdaptiveRefreshTriggers()
                      .build())
              .build());
      RedisClusterClient created = c;
      owned.add(() -> created.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
    RedisClusterClient connecting = c;
    Function<RedisLink, RedisClusterAsyncCommands<byte[], byte[]>> commands =
        link -> {
          StatefulRedisClusterConnection<byte[], byte[]> opened = connecting.connect(ByteArrayCodec.INSTANCE);
          link.own(opened);
          return opened.async();
        };
    Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> channel =
        () -> connecting.connectPubSub(ByteArrayCodec.INSTANCE);
    // Client tracking is per cluster node; not followed across the topology (RedisTier's class comment).
    return new RedisConnector(commands, channel, false);
  }

  /**
   * Makes {@code link}'s command connection: connects, hands what it opened to {@link
   * RedisLink#own}, and returns its commands; throws what connecting threw.
   */
  RedisClusterAsyncCommands<byte[], byte[]> connectCommands(RedisLink link) {
    return commands.apply(link);
  }

  /** Opens a channel (pub/sub) connection for the bus; not subscribed yet. */
  StatefulRedisPubSubConnection<byte[], byte[]> connectChannel() {
    return channel.get();
  }

  /** Connecting may take a TLS handshake; give it more than one command, but stay bounded. */
  private static Duration connectTimeout(Duration commandTimeout) {
    Duration fourTimes = commandTimeout.multipliedBy(4);
    return fourTimes.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : fourTimes;
  }
}
