package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Several instances sharing one Redis, and Redis going away under a running service. The outage
 * tests use a service whose own embedded Redis they stop, so the fixtures' shared server stays up.
 */
class SharedRedisAndOutageTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @Test
  void aClientsLimitHoldsAcrossTwoInstances() {
    String prefix = TestRedis.get().newKeyPrefix("mds-shared-limit");
    String schema = TestPostgres.get().newSchemaName("mds_shared_limit");
    try (MarketDataService a = MarketDataService.start(Services.onFixtures(prefix, schema).build());
        MarketDataService b = MarketDataService.start(Services.onFixtures(prefix, schema).build())) {
      Client[] clients = {new Client(a.url()), new Client(b.url())};
      int admitted = 0;
      long started = System.nanoTime();
      for (int i = 0; i < 60; i++) {
        HttpResponse<String> r = clients[i % 2].get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER, "shared");
        if (r.statusCode() != 429) {
          admitted++;
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      // One bucket of 10 refilled at 10/s: never more than that, however the requests were spread.
      // Two separate buckets would admit twice the burst.
      assertThat(admitted).isLessThanOrEqualTo(10 + (int) Math.ceil(10 * seconds) + 1);
      assertThat(b.limits.refusedTotal() + a.limits.refusedTotal()).isEqualTo(60 - admitted);
      assertThat(b.limits.refusedTotal()).isPositive();
    }
  }

  @Test
  void anInvalidationOnOneInstanceReachesTheOther() {
    String prefix = TestRedis.get().newKeyPrefix("mds-shared-inv");
    String schema = TestPostgres.get().newSchemaName("mds_shared_inv");
    try (MarketDataService a = MarketDataService.start(Services.onFixtures(prefix, schema).build());
        MarketDataService b = MarketDataService.start(Services.onFixtures(prefix, schema).build())) {
      String path = "/api/market-data?symbols=DOTUSDT&timeframes=15m";
      new Client(a.url()).get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
      new Client(b.url()).get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
      SeriesKey key = SeriesKey.parse("DOTUSDT:15m");
      assertThat(b.candles.getIfPresent(key)).isNotNull();

      a.candles.invalidate(key);

      await("B's in-process copy is dropped", () -> b.candles.getIfPresent(key) == null);
    }
  }

  @Test
  void withRedisStoppedTheServiceKeepsAnsweringAndSaysDegraded() throws Exception {
    TestPostgres postgres = TestPostgres.get();
    ServiceConfig config = Services.base().postgresUrl(postgres.jdbcUrl()).postgresUser(postgres.user())
        .postgresPassword(postgres.password()).schema(postgres.newSchemaName("mds_outage")).build();
    try (MarketDataService service = MarketDataService.start(config)) {
      Client client = new Client(service.url());
      String cached = "/api/market-data?symbols=BTCUSDT&timeframes=1h";
      assertThat(client.get(cached, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT).statusCode()).isEqualTo(200);

      service.embedded.stopRedis();

      await("the Redis tier is seen down", () -> {
        client.get("/api/market-data?symbols=ETHUSDT&timeframes=1h", ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
        return partStatus(client, "REDIS").equals("DOWN");
      });
      HttpResponse<String> fromL1 = client.get(cached, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
      assertThat(fromL1.statusCode()).isEqualTo(200);
      // The exchange limiter fails open to a local share that starts empty (so an outage cannot
      // over-admit): the first source call may wait for that share to refill, then data comes.
      await("new data from the source while Redis is down", () -> {
        HttpResponse<String> fromSource = client.get("/api/market-data?symbols=LINKUSDT&timeframes=4h",
            ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
        assertThat(fromSource.statusCode()).isEqualTo(200);
        return Client.parse(fromSource).at("/data/LINKUSDT/4h").size() > 0;
      });
      HttpResponse<String> health = client.get("/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(Client.parse(health).get("status").asText()).isEqualTo("DEGRADED");

      service.embedded.restartRedis();

      await("the Redis tier answers again", () -> {
        client.get(cached, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
        return !partStatus(client, "REDIS").equals("DOWN");
      });
    }
  }

  @Test
  void withFailClosedLimitsHealthIs503WhileRedisIsDownAnd200After() throws Exception {
    TestPostgres postgres = TestPostgres.get();
    ServiceConfig config = Services.base().postgresUrl(postgres.jdbcUrl()).postgresUser(postgres.user())
        .postgresPassword(postgres.password()).schema(postgres.newSchemaName("mds_closed"))
        .limitsWhenRedisDown("fail-closed").build();
    try (MarketDataService service = MarketDataService.start(config)) {
      Client client = new Client(service.url());
      String path = "/api/market-data?symbols=BTCUSDT&timeframes=1m";
      assertThat(client.get("/health").statusCode()).isEqualTo(200);

      service.embedded.stopRedis();

      await("a request is refused 503 and health says 503", () -> {
        HttpResponse<String> r = client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
        return r.statusCode() == 503 && client.get("/health").statusCode() == 503;
      });

      service.embedded.restartRedis();

      await("requests and health recover", () -> {
        HttpResponse<String> r = client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
        return r.statusCode() == 200 && client.get("/health").statusCode() == 200;
      });
    }
  }

  private static String partStatus(Client client, String kind) {
    for (JsonNode part : client.json("/health").get("parts")) {
      if (part.get("kind").asText().equals(kind)) {
        return part.get("status").asText();
      }
    }
    return "absent";
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + PATIENCE + ": " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what);
      }
    }
  }
}
