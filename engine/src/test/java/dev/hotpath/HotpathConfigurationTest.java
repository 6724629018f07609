package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.TestSupport.CountingSource;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupStrategy;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Misconfiguration fails when it is set or at {@code build()}, before anything is started (none of
 * these needs a server), with the field and the value in the message and never a password.
 */
class HotpathConfigurationTest {
  private static final String SECRET = "s3cret";
  /** Nothing listens on port 1: a connection is refused at once. */
  private static final String NO_REDIS = "redis://127.0.0.1:1";
  private static final NamespaceSpec<String, String> SYMBOLS = spec("symbols");
  private static final NamespaceSpec<String, String> PRICES = spec("prices");
  private static final RateLimit LIMIT = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1)));

  /** The message starts with {@code message} and holds each of {@code alsoContains}. */
  private static Arguments refused(String what, ThrowingCallable configuration, Class<? extends Exception> type,
      String message, String... alsoContains) {
    return Arguments.of(what, configuration, type, message, alsoContains);
  }

  static Stream<Arguments> misconfigurations() {
    return Stream.of(
        refused("a namespace added twice", () -> Hotpath.builder().namespace(SYMBOLS).namespace(spec("symbols")),
            IllegalArgumentException.class, "namespace 'symbols' is added twice"),
        refused("a rate limiter added twice", () -> Hotpath.builder().rateLimiter("api", LIMIT).rateLimiter("api", LIMIT),
            IllegalArgumentException.class, "rateLimiter 'api' is added twice"),
        refused("an engine added twice", () -> Hotpath.builder()
                .engine("prices", PRICES, new CountingSource("a")).engine("prices", PRICES, new CountingSource("b")),
            IllegalArgumentException.class, "engine 'prices' is added twice"),
        refused("a rate limiter name that is no name", () -> Hotpath.builder().rateLimiter("the api", LIMIT),
            IllegalArgumentException.class, "rateLimiter name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63} but was 'the api'"),
        refused("a URL that is not Redis's", () -> Hotpath.builder().redis("http://admin:" + SECRET + "@cache:6379"),
            IllegalArgumentException.class, "redis must be a redis://, rediss://, redis-sentinel://, rediss-sentinel:// or"
                + " redis-socket:// URL but was 'http://admin:***@cache:6379'"),
        refused("a scheme Lettuce does not have", () -> Hotpath.builder().redis("rediss-socket:///tmp/redis.sock"),
            IllegalArgumentException.class, "redis must be a redis://", "but was 'rediss-socket:///tmp/redis.sock'"),
        refused("a Redis URL Lettuce cannot read", () -> Hotpath.builder().redis("redis://admin:" + SECRET + "@")
                .rateLimiter("api", LIMIT).build(),
            IllegalArgumentException.class, "redis is not a valid Redis URL: 'redis://admin:***@'"),
        refused("a URL that is not a PostgreSQL JDBC URL", () -> Hotpath.builder().postgres("postgresql://admin:" + SECRET + "@db/app"),
            IllegalArgumentException.class, "postgres must be a jdbc:postgresql: URL but was 'postgresql://admin:***@db/app'"),
        refused("another database's JDBC URL", () -> Hotpath.builder().postgres("jdbc:mysql://db/app?user=app&password=" + SECRET),
            IllegalArgumentException.class, "postgres must be a jdbc:postgresql: URL but was 'jdbc:mysql://db/app?user=app&password=***'"),
        refused("Redis set twice", () -> Hotpath.builder().redis("redis://a:6379").redis("redis://b:6379"),
            IllegalStateException.class, "redis was already set"),
        refused("PostgreSQL set twice", () -> Hotpath.builder().postgres("jdbc:postgresql://a/db").postgres("jdbc:postgresql://b/db"),
            IllegalStateException.class, "postgres was already set"),
        refused("a blank node id", () -> Hotpath.builder().nodeId(" "),
            IllegalArgumentException.class, "nodeId must not be blank but was ' '"),
        refused("nothing to build", () -> Hotpath.builder().build(),
            IllegalStateException.class, "nothing to build: add a namespace or a rateLimiter"),
        refused("an engine over a namespace not configured", () -> Hotpath.builder().namespace(SYMBOLS)
                .engine("prices", PRICES, new CountingSource("exchange")).build(),
            IllegalStateException.class, "engine 'prices' reads namespace 'prices', which is not configured; namespaces: [symbols]"),
        refused("an engine reading a namespace with other types", () -> Hotpath.builder()
                .namespace(NamespaceSpec.builder("prices", String.class, Long.class).ttl(TtlProfile.MARKET_PRICE).build())
                .engine("prices", PRICES, new CountingSource("exchange")).build(),
            IllegalStateException.class, "engine 'prices' reads namespace 'prices' as java.lang.String -> java.lang.String,"
                + " but it holds java.lang.String -> java.lang.Long"),
        refused("two engines with sources of one name", () -> Hotpath.builder().namespace(SYMBOLS).namespace(PRICES)
                .engine("symbols", SYMBOLS, new CountingSource("exchange"))
                .engine("prices", PRICES, new CountingSource("exchange")).build(),
            IllegalStateException.class, "engines 'symbols' and 'prices' both have a source named 'exchange'"),
        refused("an engine asking for a rate limiter not configured", () -> Hotpath.builder().namespace(PRICES)
                .engine("prices", PRICES, new CountingSource("exchange"),
                    (engine, limiters) -> engine.quota(limiters.get("binance"), "ip-1")).build(),
            IllegalArgumentException.class, "engine 'prices': no rateLimiter 'binance'; configured: []"),
        refused("a Redis key prefix without Redis", () -> Hotpath.builder().namespace(SYMBOLS).redisKeyPrefix("app").build(),
            IllegalStateException.class, "redisKeyPrefix is set to 'app' but redis is not configured"),
        refused("a Redis key prefix Redis cannot take", () -> Hotpath.builder().redis("redis://cache:6379")
                .redisKeyPrefix("my app").namespace(SYMBOLS).build(),
            IllegalArgumentException.class, "redisKeyPrefix: keyPrefix must be", "'my app'"),
        refused("a Redis timeout without Redis", () -> Hotpath.builder().namespace(SYMBOLS)
                .redisTimeout(Duration.ofSeconds(1)).build(),
            IllegalStateException.class, "redisTimeout is set to PT1S but redis is not configured"),
        refused("a Redis timeout of zero", () -> Hotpath.builder().redisTimeout(Duration.ZERO),
            IllegalArgumentException.class, "redisTimeout must be positive but was PT0S"),
        refused("a PostgreSQL schema without PostgreSQL", () -> Hotpath.builder().namespace(SYMBOLS).postgresSchema("app").build(),
            IllegalStateException.class, "postgresSchema is set to 'app' but postgres is not configured"),
        refused("a PostgreSQL schema PostgreSQL cannot take", () -> Hotpath.builder().postgres("jdbc:postgresql://db/app")
                .postgresSchema("My-App").namespace(SYMBOLS).build(),
            IllegalArgumentException.class, "postgresSchema: schema must match", "but was 'My-App'"),
        refused("PostgreSQL without a namespace to store", () -> Hotpath.builder().postgres("jdbc:postgresql://db/app")
                .rateLimiter("api", LIMIT).build(),
            IllegalStateException.class, "postgres is configured but no namespace is: the PostgreSQL tier stores namespaces"),
        refused("a warmup without a namespace", () -> Hotpath.builder().rateLimiter("api", LIMIT)
                .warmup(WarmupPlan.builder().strategy(WarmupStrategy.keys("s", SYMBOLS, List::of)).build(), Hotpath.WarmupMode.BLOCK)
                .build(),
            IllegalStateException.class, "warmup is set but no namespace is configured"),
        refused("a warmup of a namespace not configured", () -> Hotpath.builder().namespace(PRICES)
                .warmup(WarmupPlan.builder().strategy(WarmupStrategy.keys("s", SYMBOLS, List::of)).build(), Hotpath.WarmupMode.BLOCK)
                .build(),
            IllegalStateException.class, "warmup names namespace 'symbols', which is not registered"),
        refused("a TTL for a tier not configured", () -> Hotpath.builder()
                .namespace(NamespaceSpec.builder("prices", String.class, String.class)
                    .ttl(TtlProfile.builder().l1(Duration.ofSeconds(1)).tier("redis", Duration.ofMinutes(1)).build()).build())
                .build(),
            IllegalStateException.class, "namespace 'prices' has a TTL for tier 'redis', which the cache does not have"),
        // Port 1 refuses connections: these must fail before the builder tries one.
        refused("a TTL for a tier not configured, with a Redis that is not there", () -> Hotpath.builder()
                .redis(NO_REDIS)
                .namespace(NamespaceSpec.builder("prices", String.class, String.class)
                    .ttl(TtlProfile.builder().l1(Duration.ofSeconds(1)).tier("postgres", Duration.ofMinutes(1)).build()).build())
                .build(),
            IllegalStateException.class, "namespace 'prices' has a TTL for tier 'postgres', which the cache does not have;"
                + " tiers: [redis]"),
        refused("a warmup of a namespace not configured, with a Redis that is not there", () -> Hotpath.builder()
                .redis(NO_REDIS)
                .namespace(PRICES)
                .warmup(WarmupPlan.builder().strategy(WarmupStrategy.keys("s", SYMBOLS, List::of)).build(), Hotpath.WarmupMode.BLOCK)
                .build(),
            IllegalStateException.class, "warmup names namespace 'symbols', which is not registered"),
        refused("a Redis that does not answer, for the limiters alone", () -> Hotpath.builder()
                .redis("redis://admin:" + SECRET + "@127.0.0.1:1")
                .rateLimiter("api", LIMIT).build(),
            IllegalStateException.class, "redis did not accept a connection at build() ('redis://admin:***@127.0.0.1:1'): "),
        refused("a Redis that does not answer, for the cache", () -> Hotpath.builder()
                .redis("redis://admin:" + SECRET + "@127.0.0.1:1")
                .namespace(PRICES).build(),
            IllegalStateException.class, "redis did not accept a connection at build() ('redis://admin:***@127.0.0.1:1'): "),
        refused("an engine customizer that throws a NullPointerException", () -> Hotpath.builder().namespace(PRICES)
                .engine("prices", PRICES, new CountingSource("exchange"), (engine, limiters) -> engine.quota(null, "ip-1"))
                .build(),
            NullPointerException.class, "engine 'prices': limiter"),
        refused("an engine customizer that throws another exception", () -> Hotpath.builder().namespace(PRICES)
                .engine("prices", PRICES, new CountingSource("exchange"), (engine, limiters) -> {
                  throw new UnsupportedOperationException("no quota yet");
                })
                .build(),
            IllegalStateException.class, "engine 'prices': java.lang.UnsupportedOperationException: no quota yet"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("misconfigurations")
  void isRefusedNamingTheFieldAndTheValue(String what, ThrowingCallable configuration, Class<? extends Exception> type,
      String message, String[] alsoContains) {
    assertThatThrownBy(configuration)
        .isInstanceOf(type)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET))
        .satisfies(e -> List.of(alsoContains).forEach(part -> assertThat(e.getMessage()).contains(part)));
  }

  /** The tier's own error (the cause) names the server the builder connected to, not "the host's client". */
  @Test
  void aRedisTheBuilderConnectsToIsNamedByItsAddress() {
    assertThatThrownBy(() -> Hotpath.builder().redis(NO_REDIS).namespace(PRICES).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("redis did not accept a connection at build() ('redis://127.0.0.1:1'): ")
        .cause()
        .hasMessageContaining("redis://127.0.0.1:1")
        .hasMessageNotContaining("host's client");
  }

  /** Characters a password may hold unencoded in a URL that is refused; none of it reaches the message. */
  @ParameterizedTest(name = "password {0}")
  @ValueSource(strings = {"se/cret", "se@cret", "se#cret", "se:cret", "se%40cret", "se/c@r#e:t%40cret", "se?cret"})
  void aPasswordIsMaskedWhateverItHolds(String password) {
    assertThatThrownBy(() -> Hotpath.builder().redis("http://admin:" + password + "@cache:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).endsWith(" URL but was 'http://admin:***@cache:6379'").doesNotContain("cret"));
    assertThatThrownBy(() -> Hotpath.builder().redis("http://" + password + "@cache:6379")) // Lettuce's password-only form
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).endsWith("***@cache:6379'").doesNotContain("cret"));
    assertThatThrownBy(() -> Hotpath.builder().postgres("postgresql://admin:" + password + "@db/app"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).endsWith(" URL but was 'postgresql://admin:***@db/app'").doesNotContain("cret"));
  }

  /** A '/' in a password makes a URL Lettuce cannot read: the message says so without the password. */
  @ParameterizedTest(name = "password {0}")
  @ValueSource(strings = {"se/cret", "se/c@ret"})
  void aRedisUrlLettuceCannotReadIsShownMasked(String password) {
    assertThatThrownBy(() -> Hotpath.builder().redis("redis://admin:" + password + "@cache:6379").rateLimiter("api", LIMIT).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis is not a valid Redis URL: 'redis://admin:***@cache:6379'");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"redis://cache:6379", "rediss://cache:6379/2", "redis-sentinel://s1:26379,s2:26379/0#master",
      "rediss-sentinel://s1:26379/0#master", "redis-socket:///var/run/redis.sock", "REDIS://cache"})
  void everySchemeTheMessageListsIsAccepted(String url) {
    assertThat(Hotpath.builder().redis(url)).isNotNull();
  }
}
