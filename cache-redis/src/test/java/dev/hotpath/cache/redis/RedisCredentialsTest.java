package dev.hotpath.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.embedded.RedisServer;

/**
 * Passwords given every way Redis takes them never show (builder, tier, errors), an address that
 * cannot work fails when given, and a server that refuses the login fails the build saying so.
 * Against an embedded Redis of its own started with {@code requirepass}: the shared test server has
 * no password, and changing that would change it for every other test.
 */
@Timeout(120)
class RedisCredentialsTest {
  private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
  private static RedisServer server;
  private static int port;
  private static Path dir;

  @BeforeAll
  static void startServerWithPassword() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5 && server == null; attempt++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      dir = Files.createTempDirectory("hotpath-test-redis-auth");
      RedisServer candidate = RedisServer.newRedisServer()
          .port(port)
          .bind("127.0.0.1")
          .setting("requirepass " + PASSWORD)
          .setting("save \"\"")
          .setting("appendonly no")
          .setting("dir " + dir.toAbsolutePath())
          .build();
      try {
        candidate.start();
        server = candidate;
      } catch (IOException | RuntimeException e) {
        last = e instanceof IOException io ? io : new IOException(e);
      }
    }
    if (server == null) {
      throw last;
    }
  }

  @AfterAll
  static void stopServer() throws IOException {
    if (server != null) {
      server.stop();
    }
  }

  private static RedisTier.Builder builder(String url) {
    return RedisTier.builder().uri(url).commandTimeout(Duration.ofSeconds(10));
  }

  @Test
  void theRightPasswordGivenAnyWayWorksAndIsNeverShown() {
    List<String> urls = List.of(
        "redis://:" + PASSWORD + "@127.0.0.1:" + port,
        "redis://default:" + PASSWORD + "@127.0.0.1:" + port + "/0",
        "redis://" + PASSWORD + "@127.0.0.1:" + port);
    for (String url : urls) {
      RedisTier.Builder builder = builder(url);
      try (RedisTier tier = builder.build()) {
        assertThat(tier.isCircuitOpen()).as(url.replace(PASSWORD, "***")).isFalse();
        assertThat(List.of(tier.toString(), builder.toString(), tier.invalidationBus().toString()))
            .allSatisfy(shown -> assertThat(shown).doesNotContain(PASSWORD).contains("127.0.0.1:" + port));
        assertThat(tier.stats().toString()).doesNotContain(PASSWORD);
      }
    }
    RedisURI built = RedisURI.builder().withHost("127.0.0.1").withPort(port).withPassword(PASSWORD.toCharArray()).build();
    try (RedisTier tier = RedisTier.builder().uri(built).commandTimeout(Duration.ofSeconds(10)).build()) {
      assertThat(tier.toString()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void aWrongPasswordFailsTheBuildSayingWrongpassAndNamingTheServer() {
    String wrong = "wrong-" + System.nanoTime();
    for (boolean startWithoutRedis : new boolean[] {false, true}) {
      assertThatThrownBy(() -> builder("redis://:" + wrong + "@127.0.0.1:" + port).startWithoutRedis(startWithoutRedis).build())
          .isInstanceOf(RedisTierException.class)
          .hasMessageStartingWith("could not start the Redis tier on redis://127.0.0.1:" + port + "/0: the server"
              + " refused the login of user 'default': wrong password or user (WRONGPASS")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain("Unable to connect"));
    }
  }

  @Test
  void noPasswordFailsTheBuildSayingNoauth() {
    // Lettuce 7 ignores a password parameter: that is no password either, and it is not shown.
    for (String url : List.of("redis://127.0.0.1:" + port, "redis://127.0.0.1:" + port + "?password=" + PASSWORD)) {
      assertThatThrownBy(() -> builder(url).build())
          .isInstanceOf(RedisTierException.class)
          .hasMessageStartingWith("could not start the Redis tier on redis://127.0.0.1:" + port + "/0: the server"
              + " requires a password and none was given (NOAUTH")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
    }
  }

  @Test
  void anAclUserWithAWrongPasswordIsNamedButNotItsPassword() {
    String user = "hp-auth-" + ProcessHandle.current().pid();
    String right = "right-" + System.nanoTime();
    String wrong = "wrong-" + System.nanoTime();
    try (RawRedis raw = new RawRedis(RedisURI.create("redis://:" + PASSWORD + "@127.0.0.1:" + port))) {
      raw.sync().aclSetuser(user, AclSetuserArgs.Builder.on().addPassword(right).allKeys().allChannels().allCommands());
      RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(port)
          .withAuthentication(user, wrong.toCharArray()).build();
      assertThatThrownBy(() -> RedisTier.builder().uri(uri).commandTimeout(Duration.ofSeconds(10)).build())
          .isInstanceOf(RedisTierException.class)
          .hasMessageContaining("the server refused the login of user '" + user + "': wrong password or user (WRONGPASS")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(right));
      // TLS (no TLS server here, so only what the builder shows).
      assertThat(RedisTier.builder().uri("rediss://" + user + ":" + right + "@127.0.0.1:" + port).toString())
          .contains("rediss://127.0.0.1:" + port)
          .doesNotContain(right);
    }
  }

  /** Issue 12, item 11: these were accepted by uri(...) and failed only at build(). */
  @Test
  void anAddressThatCannotWorkIsRefusedWhenGivenWithThePasswordMasked() {
    String pw = "pw-" + System.nanoTime();
    assertThatThrownBy(() -> RedisTier.builder().uri("redis://:" + pw + "@127.0.0.1:notaport"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uri 'redis://:***@127.0.0.1:notaport' has an invalid port: it must be a number in 1..65535");
    List<String> bad = List.of(
        "redis://:" + pw + "@127.0.0.1:0",
        "redis://:" + pw + "@127.0.0.1:65536",
        "redis://app:" + pw + "@127.0.0.1:",
        "rediss://:" + pw + "@",
        "redis://:" + pw + "@:6379",
        "redis://:" + pw + "@[::1:6379",
        "redis://:" + pw + "@bad host:6379",
        "redis-sentinel://:" + pw + "@s1:26379,s2:x/0?sentinelMasterId=m",
        "http://:" + pw + "@127.0.0.1:6379",
        "redis://:p w-" + pw + "@127.0.0.1:6379",
        "127.0.0.1:6379",
        // Without scheme:// the password is still masked.
        "app:" + pw + "@cache:6379",
        ":" + pw + "@127.0.0.1:6379",
        "redis:/:" + pw + "@127.0.0.1",
        "//:" + pw + "@127.0.0.1",
        // A password holding letters followed by :// is not taken for the start of another URL.
        "redis://u:ab://" + pw + "@127.0.0.1:notaport");
    for (String url : bad) {
      assertThatThrownBy(() -> RedisTier.builder().uri(url))
          .as(url.replace(pw, "***"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("uri '")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(pw))
          .hasNoCause();
    }
    // Lettuce's own parse of the same URL, handed over as an object, is checked too.
    RedisURI lenient = RedisURI.create("redis://:" + pw + "@127.0.0.1:notaport");
    assertThatThrownBy(() -> RedisTier.builder().uri(lenient))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uri has host '127.0.0.1:notaport', which is not a host name or IP address");
    RedisURI good = RedisURI.create("redis://:" + pw + "@127.0.0.1:7000");
    assertThatThrownBy(() -> RedisTier.builder().clusterUris(good, lenient))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusterUris[1] has host '127.0.0.1:notaport', which is not a host name or IP address");
    assertThatThrownBy(() -> RedisTier.builder().uri(RedisURI.Builder.sentinel("s:1", "m").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uri sentinel has host 's:1', which is not a host name or IP address");
    // Good addresses of every form are still taken.
    RedisTier.builder().uri("redis://:" + pw + "@127.0.0.1:6379/2");
    RedisTier.builder().uri("rediss://app:" + pw + "@cache.internal");
    RedisTier.builder().uri("redis://[::1]:6379");
    // Sentinel URIs could not be given at all before: Lettuce's copy of a RedisURI drops its sentinels.
    assertThat(RedisTier.builder().uri("redis-sentinel://:" + pw + "@s1:26379,s2/0?sentinelMasterId=m").toString())
        .contains("sentinel s1:26379,s2:26379 master m")
        .doesNotContain(pw);
    assertThat(RedisTier.builder().uri(RedisURI.Builder.sentinel("s1", 26380, "m").build()).toString())
        .contains("sentinel s1:26380 master m");
    RedisTier.builder().uri("redis-socket:///tmp/redis.sock");
    RedisTier.builder().clusterUris(good, RedisURI.create("redis://127.0.0.1:7001"));
  }

  @Test
  void aUnixSocketIsTakenUnderBothOfLettucesSchemes() {
    for (String url : List.of("redis-socket:///tmp/hotpath-redis.sock", "redis+socket:///tmp/hotpath-redis.sock?database=2")) {
      assertThat(RedisTier.builder().uri(url).toString()).as(url).contains("/tmp/hotpath-redis.sock");
    }
  }

  @Test
  void clusterSeedsWithPasswordsAreNamedWithoutThem() throws IOException {
    int closed;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = probe.getLocalPort();
    }
    RedisURI seed = RedisURI.create("redis://app:" + PASSWORD + "@127.0.0.1:" + closed);
    RedisTier.Builder builder = RedisTier.builder().clusterUris(seed).commandTimeout(Duration.ofMillis(500));
    assertThat(builder.toString()).doesNotContain(PASSWORD).contains("cluster 127.0.0.1:" + closed);
    assertThatThrownBy(builder::build)
        .isInstanceOf(RedisTierException.class)
        .hasMessageStartingWith("could not start the Redis tier on cluster 127.0.0.1:" + closed)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
  }
}
