package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.testing.postgres.TestPostgres;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One service instance over HTTP, on real Redis and PostgreSQL from the fixtures. */
class MarketDataServiceTest {
  private static MarketDataService service;
  private static Client client;

  @BeforeAll
  static void start() {
    service = MarketDataService.start(Services.onFixtures("mds-single").build());
    client = new Client(service.url());
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void marketDataIsServedWithMetadataAndARepeatIsAnsweredFromTheCache() {
    String path = "/api/market-data?symbols=BTCUSDT,ETHUSDT&timeframes=1m,1h&limit=5";
    JsonNode first = Client.parse(client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT));

    assertThat(first.get("success").asBoolean()).isTrue();
    assertThat(first.at("/data/BTCUSDT/1m")).hasSize(5);
    assertThat(first.at("/data/ETHUSDT/1h").size()).isBetween(1, 5);
    assertThat(first.at("/metadata/symbolsProcessed").asInt()).isEqualTo(2);
    assertThat(first.at("/metadata/timeframesProcessed").asInt()).isEqualTo(2);
    assertThat(first.at("/metadata/processedAt").asText()).isNotEmpty();
    assertThat(first.at("/metadata/processingTimeMs").isNumber()).isTrue();
    assertThat(first.get("errors")).isEmpty();
    long callsAfterFirst = service.source.calls();

    JsonNode second = Client.parse(client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT));

    assertThat(second.at("/metadata/cacheHitRate").asDouble()).isEqualTo(1.0);
    assertThat(second.get("data")).isEqualTo(first.get("data"));
    assertThat(service.source.calls()).isEqualTo(callsAfterFirst);
  }

  @Test
  void aMatchingIfNoneMatchGetsA304WithoutTheExchange() {
    String path = "/api/market-data?symbols=SOLUSDT&timeframes=5m";
    HttpResponse<String> first = client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(first.headers().firstValue("Cache-Control")).hasValue("max-age=60");
    long calls = service.source.calls();
    long engineItems = service.engine.snapshot().weightUsed();

    HttpResponse<String> again = client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT,
        "If-None-Match", etag);

    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.headers().firstValue("ETag")).hasValue(etag);
    assertThat(service.source.calls()).isEqualTo(calls);
    assertThat(service.engine.snapshot().weightUsed()).isEqualTo(engineItems);
    HttpResponse<String> stale = client.get(path, ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT,
        "If-None-Match", "\"not-the-etag\"");
    assertThat(stale.statusCode()).isEqualTo(200);
  }

  @Test
  void indicatorsAreComputedFromTheClosedCandlesAndCachedInTheirNamespace() {
    JsonNode reply = client.json("/api/indicators?symbol=BTCUSDT&timeframe=1m&kind=sma&period=3",
        ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);

    List<Candle> candles = service.candles.getAll(List.of(SeriesKey.parse("BTCUSDT:1m")))
        .get(SeriesKey.parse("BTCUSDT:1m"));
    List<Candle> closed = candles.stream().filter(Candle::closed).toList();
    int last = closed.size() - 1;
    double expected = (closed.get(last).close().doubleValue() + closed.get(last - 1).close().doubleValue()
        + closed.get(last - 2).close().doubleValue()) / 3;
    JsonNode points = reply.at("/data/points");
    assertThat(points).hasSize(closed.size() - 2);
    assertThat(points.get(points.size() - 1).get("openTime").asLong()).isEqualTo(closed.get(last).openTime());
    assertThat(points.get(points.size() - 1).get("value").asDouble()).isCloseTo(expected, within(1e-6));
    assertThat(service.indicatorCache.getIfPresent("BTCUSDT:1m:sma:3")).isNotNull();
  }

  @Test
  void badInputsAre400sNamingTheParameterNeverA500() {
    assertBad(client.get("/api/market-data?symbols=NOPEUSDT"), 400, "symbols");
    assertBad(client.get("/api/market-data?symbols=BTCUSDT&timeframes=7m"), 400, "timeframes");
    StringBuilder many = new StringBuilder("/api/market-data?symbols=");
    for (int i = 0; i < 10_000; i++) {
      many.append(i == 0 ? "" : ",").append('X').append(i);
    }
    assertBad(client.post("/api/market-data", "{\"symbols\":[" + many.substring(many.indexOf("=") + 1)
        .replaceAll("([A-Z0-9]+)", "\"$1\"") + "]}"), 413, "body");
    assertBad(client.post("/api/market-data", "{\"symbols\": [\"BTCUSDT\""), 400, "body");
    assertBad(client.get("/api/indicators?symbol=BTCUSDT&timeframe=1h&kind=rsi&period=-14"), 400, "period");
    assertBad(client.get("/api/indicators?symbol=BTCUSDT&timeframe=1h&kind=macd"), 400, "kind");
    assertBad(client.get("/api/market-data?symbols=BTCUSDT&symbols=ETHUSDT"), 400, "symbols");
    assertThat(client.get("/nowhere").statusCode()).isEqualTo(404);
    assertThat(service.stats.serverErrors.sum()).isZero();
  }

  @Test
  void tenThousandSymbolsInAQueryAreRefusedByCount() {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      many.append(i == 0 ? "" : ",").append('S').append(i);
    }
    // 10,000 symbols fit a POST body under the limit only when the limit allows it: a query has no body.
    HttpResponse<String> reply = client.get("/api/market-data?symbols=" + many, ClientLimits.CLIENT_HEADER,
        Services.PRO_CLIENT);
    assertBad(reply, 400, "symbols");
    assertThat(reply.body()).contains("at most 500");
  }

  @Test
  void aClientOverItsPlanGets429AtOnceWithRetryAfterAndRateLimitHeaders() {
    HttpResponse<String> refused = null;
    int admitted = 0;
    for (int i = 0; i < 500 && refused == null; i++) {
      HttpResponse<String> r = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER, "free-429");
      if (r.statusCode() == 429) {
        refused = r;
      } else {
        admitted++;
        assertThat(r.headers().firstValue("RateLimit-Limit")).hasValue("10");
        assertThat(r.headers().firstValue("RateLimit-Remaining")).isPresent();
      }
    }
    assertThat(refused).as("a 429 within 500 requests of a 10/s client").isNotNull();
    assertThat(admitted).isGreaterThanOrEqualTo(10);
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    assertThat(refused.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("RateLimit-Reset")).isPresent();
    assertThat(Client.parse(refused).at("/error/status").asInt()).isEqualTo(429);
    assertThat(Client.parse(refused).at("/error/message").asText()).contains("client 'id:free-429'");
  }

  @Test
  void theTrustedHeaderNamesTheClientAndSoItsPlan() {
    HttpResponse<String> pro = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER,
        Services.PRO_CLIENT);
    HttpResponse<String> unnamed = client.get("/api/indicators?kind=nope");

    assertThat(pro.headers().firstValue("RateLimit-Limit")).hasValue("100");
    assertThat(unnamed.headers().firstValue("RateLimit-Limit")).as("its address's, on the Free plan").hasValue("10");
  }

  @Test
  void prometheusOutputParsesAndCarriesTheServiceAndHotpathMeters() {
    client.get("/api/market-data?symbols=XRPUSDT&timeframes=1m", ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);

    HttpResponse<String> reply = client.get("/metrics");

    assertThat(reply.statusCode()).isEqualTo(200);
    assertThat(reply.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)");
    Map<String, Double> samples = new HashMap<>();
    for (String line : reply.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = sample.matcher(line);
      assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
      samples.merge(m.group(1), Double.parseDouble(m.group(3).replace("Inf", "Infinity")), Double::sum);
    }
    assertThat(samples).containsKeys("cache_gets_total", "marketdata_http_requests_seconds_count",
        "hotpath_timeseries_rows_total");
    assertThat(samples.keySet()).anyMatch(name -> name.startsWith("hotpath_engine_"));
    assertThat(samples.keySet()).anyMatch(name -> name.startsWith("hotpath_ratelimiter_"));
    assertThat(samples.get("marketdata_http_requests_seconds_count")).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void closedOneMinuteCandlesAreWrittenToCandles1m() throws Exception {
    client.get("/api/market-data?symbols=ADAUSDT&timeframes=1m", ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);

    assertThat(service.writer.flush(java.time.Duration.ofSeconds(60))).isTrue();

    long rows = TestPostgres.get().count("SELECT count(*) FROM " + service.config.schema
        + ".candles_1m WHERE symbol = 'ADAUSDT'");
    assertThat(rows).isEqualTo(service.config.lookback.toMinutes() - 1);
  }

  @Test
  void anIndicatorComputedIsWrittenToIndicatorValuesAndTheSmaCrossesOfItsCandlesToSignals() throws Exception {
    JsonNode reply = client.json("/api/indicators?symbol=LINKUSDT&timeframe=1m&kind=ema&period=10",
        ClientLimits.CLIENT_HEADER, Services.PRO_CLIENT);
    int points = reply.at("/data/points").size();

    assertThat(service.analytics.flush(java.time.Duration.ofSeconds(60))).isTrue();

    String where = " WHERE symbol = 'LINKUSDT' AND timeframe = '1m'";
    assertThat(points).isPositive();
    assertThat(TestPostgres.get().count("SELECT count(*) FROM " + service.config.schema + ".indicator_values"
        + where + " AND kind = 'ema' AND period = 10")).isEqualTo(points);
    // The simulated prices swing every few hours: 1,000 minutes of them cross more than once.
    assertThat(TestPostgres.get().count("SELECT count(*) FROM " + service.config.schema + ".signals" + where
        + " AND kind IN ('sma_cross_up', 'sma_cross_down') AND payload->>'smaFast' IS NOT NULL")).isGreaterThan(1);
  }

  @Test
  void theServiceLogsItsStartToServiceLogsWithoutThePassword() throws Exception {
    assertThat(service.events.writer().flush(java.time.Duration.ofSeconds(60))).isTrue();

    String table = service.config.schema + ".service_logs";
    assertThat(TestPostgres.get().count("SELECT count(*) FROM " + table + " WHERE message LIKE 'started: %'"))
        .isEqualTo(1);
    String password = TestPostgres.get().password();
    try (java.sql.Connection c = TestPostgres.get().connect(); java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rows = st.executeQuery("SELECT message FROM " + table)) {
      while (rows.next()) {
        assertThat(rows.getString(1)).doesNotContain(password == null || password.isEmpty() ? "\0" : password);
      }
    }
  }

  @Test
  void metricsAndHealthAreJson() {
    JsonNode metrics = client.json("/api/metrics");
    assertThat(metrics.at("/engine/quotaLimit").asLong()).isEqualTo(6_000);
    assertThat(metrics.at("/source/refusalsReceived").asLong()).isZero();

    HttpResponse<String> health = client.get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode parts = Client.parse(health).get("parts");
    assertThat(parts.findValuesAsText("kind")).contains("CACHE", "REDIS", "POSTGRES", "RATE_LIMITER", "ENGINE");
  }

  private static void assertBad(HttpResponse<String> reply, int status, String parameter) {
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(status);
    JsonNode body = Client.parse(reply);
    assertThat(body.get("success").asBoolean()).isFalse();
    assertThat(body.at("/error/parameter").asText()).isEqualTo(parameter);
    assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
