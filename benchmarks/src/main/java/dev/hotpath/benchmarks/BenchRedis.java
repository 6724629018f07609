package dev.hotpath.benchmarks;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * The Redis a benchmark runs against: {@code HOTPATH_BENCH_REDIS_URL} when set, else an embedded
 * Redis (com.github.codemonstur:embedded-redis) on a free local port, so
 * {@code java -jar benchmarks.jar ...} works on a bare machine. Open it in a {@code @Setup} and
 * close it in the matching {@code @TearDown}; closing stops only a server this object started.
 * Benchmarks use their own key prefix and never flush the server.
 */
public final class BenchRedis implements AutoCloseable {

  static final String URL_VARIABLE = "HOTPATH_BENCH_REDIS_URL";

  private final RedisURI uri;
  private final RedisServer embedded;

  private BenchRedis(RedisURI uri, RedisServer embedded) {
    this.uri = uri;
    this.embedded = embedded;
  }

  /** Connects to the configured server or starts an embedded one. */
  public static BenchRedis open() {
    String url = System.getenv(URL_VARIABLE);
    if (url != null && !url.isBlank()) {
      return new BenchRedis(RedisURI.create(url.trim()), null);
    }
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        Path dir = Files.createTempDirectory("hotpath-bench-redis");
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
            .setting("save \"\"").setting("appendonly no").setting("dir " + dir.toAbsolutePath())
            .build();
        server.start();
        return new BenchRedis(RedisURI.create("127.0.0.1", port), server);
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("could not start an embedded Redis", last);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh copy of the server's URI. */
  public RedisURI uri() {
    return RedisURI.builder(uri).build();
  }

  /** True when this object started the server. */
  public boolean isEmbedded() {
    return embedded != null;
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.stop();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public String toString() {
    return (embedded != null ? "embedded Redis " : "Redis ") + uri.getHost() + ":" + uri.getPort();
  }
}
