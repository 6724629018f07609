package dev.hotpath.ratelimit;

import dev.hotpath.testing.redis.TestRedis;
import dev.hotpath.testing.redis.TestRedisCluster;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Redis a limiter test runs on, standalone (the shared server) or the shared local 3-master
 * Cluster, and the faults a test inflicts on it, so one test body runs on both. Open one per test
 * and close it after: closing thaws what the test froze and starts what it stopped.
 *
 * <p>Faults: {@link #freeze()} pauses every master for scripts ({@code CLIENT PAUSE ... WRITE}):
 * connections stay up and calls get no answer, as from a server that hangs (a stop-the-world pause,
 * a stalled VM); {@link #thaw()} lets the queued calls run. {@link #stop()} stops the standalone
 * server (connections drop). Both only on servers this JVM started: an external server is not
 * ours to pause.
 */
final class LimiterRedis implements AutoCloseable {

  /** Where the limiter's state lives. */
  enum Topology {
    STANDALONE, CLUSTER
  }

  /** Longer than any test; {@link #close()} thaws sooner. */
  private static final long PAUSE_MILLIS = Duration.ofMinutes(2).toMillis();

  private final Topology topology;
  private final TestRedis server;
  private final List<RedisURI> masters;
  /** The client of the limiters' connections, whose commands are counted. */
  private final AbstractRedisClient client;
  /** Data and per-master commands, not counted. */
  private final AbstractRedisClient uncounted;
  private final RedisClient perMaster = RedisClient.create();
  private final AtomicLong commandsSent = new AtomicLong();
  private RedisClusterCommands<String, String> data;
  private boolean frozen;

  LimiterRedis(Topology topology, TestRedis server) {
    this.topology = topology;
    this.server = server;
    if (topology == Topology.STANDALONE) {
      this.masters = List.of(server.uri());
      this.client = RedisClient.create(server.uri());
      this.uncounted = RedisClient.create(server.uri());
    } else {
      this.masters = TestRedisCluster.get().uris();
      this.client = RedisClusterClient.create(TestRedisCluster.get().uris());
      this.uncounted = RedisClusterClient.create(TestRedisCluster.get().uris());
    }
    client.addListener(new CommandListener() {
      @Override
      public void commandStarted(CommandStartedEvent event) {
        commandsSent.incrementAndGet();
      }
    });
  }

  Topology topology() {
    return topology;
  }

  /** Whether this JVM started the servers, so a test may freeze them. */
  boolean isOurs() {
    return topology == Topology.CLUSTER || server.isRestartable();
  }

  /** Sets a new connection of the counted client, owned by the host (this fixture). */
  RedisRateLimiter.Builder connect(RedisRateLimiter.Builder builder) {
    return client instanceof RedisClient standalone
        ? builder.connection(standalone.connect())
        : builder.connection(((RedisClusterClient) client).connect());
  }

  /** Commands the limiters' connections sent so far. */
  long commandsSent() {
    return commandsSent.get();
  }

  /** Commands on the data, through a connection not counted. */
  RedisClusterCommands<String, String> data() {
    if (data == null) {
      data = uncounted instanceof RedisClient standalone
          ? standalone.connect().sync()
          : ((RedisClusterClient) uncounted).connect().sync();
    }
    return data;
  }

  /** Redis {@code TIME} in microseconds (every master runs on this machine's clock). */
  long timeMicros() {
    List<String> time = onMaster(masters.get(0), c -> c.time());
    return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
  }

  /** Scripts wait on every master until {@link #thaw()}; connections stay up. */
  void freeze() {
    for (RedisURI master : masters) {
      onMaster(master, c -> c.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(PAUSE_MILLIS).add("WRITE")));
    }
    frozen = true;
  }

  /** Ends {@link #freeze()}: the calls Redis held run now. */
  void thaw() {
    for (RedisURI master : masters) {
      onMaster(master, c -> c.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE")));
    }
    frozen = false;
  }

  /** Empties every master's script cache (the next EVALSHA gets NOSCRIPT). */
  void flushScripts() {
    for (RedisURI master : masters) {
      onMaster(master, RedisCommands::scriptFlush);
    }
  }

  /** Stops the standalone server; {@link #start()} (or {@link #close()}) starts it again. */
  void stop() {
    if (topology != Topology.STANDALONE) {
      throw new UnsupportedOperationException("the cluster fixture cannot stop a node");
    }
    server.stop();
  }

  /** Starts the standalone server {@link #stop()} stopped, on the same port, without its data. */
  void start() {
    server.start();
  }

  private <T> T onMaster(RedisURI master, java.util.function.Function<RedisCommands<String, String>, T> command) {
    try (StatefulRedisConnection<String, String> c = perMaster.connect(master)) {
      return command.apply(c.sync());
    }
  }

  @Override
  public void close() {
    try {
      if (frozen) {
        thaw();
      }
      if (topology == Topology.STANDALONE && server.isRestartable() && !server.isRunning()) {
        server.start();
      }
    } finally {
      client.shutdown();
      uncounted.shutdown();
      perMaster.shutdown();
    }
  }
}
