package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.examples.spring.Instances.Storage;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on real Redis and PostgreSQL, over HTTP: what its caches spare the exchange,
 * where they keep it, the 429s of its client limit, and Hotpath's meters in Actuator's scrape.
 * Each test uses symbols and client ids of its own, so that they share one context: the tests play
 * the gateway in front of the service that names each client in {@code X-Client-Id}, so the
 * service trusts that header here ({@link ClientLimitByAddressTest}: by default it does not).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // A limit no test exhausts by accident, and that refills slowly enough (one request per 12 s)
    // for the burst test to see the bucket empty however slow the machine is.
    properties = {"hotpath.client-limit.requests=5", "hotpath.client-limit.per=1m",
        "hotpath.client-limit.trusted-client-header=X-Client-Id"})
class QuotesApplicationTest {
  private static final Storage STORAGE = Storage.fresh("spring-app");

  @DynamicPropertySource
  static void servers(DynamicPropertyRegistry registry) {
    Instances.register(registry, STORAGE, "quotes-app");
  }

  @LocalServerPort
  int port;

  @Autowired
  SimulatedExchange exchange;

  @Test
  void aSecondReadOfAnInstrumentIsServedByTheCacheWhichHoldsItInRedisAndPostgres() throws Exception {
    Api api = new Api(port);
    long before = exchange.instrumentCalls();

    String first = api.get("/api/instruments/BTCUSDT", "caching").body();
    String second = api.get("/api/instruments/btcusdt", "caching").body();

    assertThat(second).isEqualTo(first).contains("\"tickSize\":0.01");
    assertThat(exchange.instrumentCalls() - before).isEqualTo(1);
    RedisClient client = RedisClient.create(TestRedis.get().uri());
    try (StatefulRedisConnection<String, String> redis = client.connect()) {
      assertThat(redis.sync().exists(STORAGE.redisKey("instruments", "BTCUSDT"))).isEqualTo(1);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    assertThat(TestPostgres.get().count("select count(*) from " + STORAGE.schema()
        + ".hotpath_cache where namespace = 'instruments' and key = 'BTCUSDT'")).isEqualTo(1);
  }

  @Test
  void aClientOverItsLimitGets429WithRetryAfterAndAnotherClientNamedByTheTrustedHeaderIsServed() {
    Api api = new Api(port);
    HttpResponse<String> refused = null;
    // Five fit in the bucket; a slow machine may see a sixth refilled, never many more.
    for (int i = 0; i < 20 && refused == null; i++) {
      HttpResponse<String> response = api.get("/api/instruments/ETHUSDT", "bursting");
      if (response.statusCode() == 429) {
        refused = response;
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
      }
    }

    assertThat(refused).as("a 429 within 20 requests").isNotNull();
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 12L);
    assertThat(refused.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("RateLimit-Limit")).hasValue("5");
    HttpResponse<String> other = api.get("/api/instruments/ETHUSDT", "patient");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("RateLimit-Remaining")).hasValue("4");
  }

  @Test
  void aClientIdLongerThan128CharactersIsRefusedWith400() {
    HttpResponse<String> response = new Api(port).get("/api/instruments/ETHUSDT", "x".repeat(129));

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void theScrapeCountsEveryPermitTheClientLimiterGaveAndTheCacheReads() {
    Api api = new Api(port);
    double before = meter(api, "hotpath_ratelimiter_calls_total", "name=\"clients\"", "result=\"permitted\"").orElse(0);

    for (int i = 0; i < 3; i++) {
      assertThat(api.get("/api/instruments/SOLUSDT", "scraped").statusCode()).isEqualTo(200);
    }

    assertThat(meter(api, "hotpath_ratelimiter_calls_total", "name=\"clients\"", "result=\"permitted\""))
        .hasValue(before + 3);
    assertThat(meter(api, "cache_gets_total", "cache=\"instruments\"", "result=\"hit\"").orElseThrow())
        .isGreaterThanOrEqualTo(2);
  }

  /** The value of the sample of {@code name} whose labels include every one of {@code labels}. */
  private static OptionalDouble meter(Api api, String name, String... labels) {
    HttpResponse<String> scrape = api.get("/actuator/prometheus", null);
    assertThat(scrape.statusCode()).isEqualTo(200);
    Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = sample.matcher(scrape.body());
    while (m.find()) {
      if (List.of(m.group(1).split(",")).containsAll(List.of(labels))) {
        return OptionalDouble.of(Double.parseDouble(m.group(2)));
      }
    }
    return OptionalDouble.empty();
  }
}
