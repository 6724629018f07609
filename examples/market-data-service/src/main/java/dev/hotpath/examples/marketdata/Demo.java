package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotpath.cache.CacheHealth;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The README's first command: starts the service on its defaults (simulated exchange, embedded
 * Redis and PostgreSQL), drives a scripted load through its HTTP API — a cold pass over 500
 * symbols × 6 timeframes, the same pass again warm, and a Free-tier client bursting into 429s —
 * prints what happened, stops the service and exits; with 1 if the exchange ever answered 429 or
 * a series failed.
 *
 * <p>{@code serve} as the first argument runs the service until Ctrl-C instead ({@link
 * MarketDataService#main}).
 */
public final class Demo {
  private static final int SYMBOLS = 500;
  private static final String TIMEFRAMES = "1m,5m,15m,1h,4h,1d";
  private static final int SYMBOLS_PER_REQUEST = 50;
  private static final int PARALLEL_REQUESTS = 4;
  private static final int BURST = 30;
  /** Most errors a pass keeps to show: enough to say what went wrong. */
  private static final int ERRORS_SHOWN = 3;
  private static final String LOADER = "demo-loader";
  private static final String FREE_CLIENT = "free-tier-client";
  /**
   * Two hours of 1m candles per symbol unless {@code MARKET_DATA_LOOKBACK_MINUTES} says otherwise:
   * enough for every timeframe the demo asks (10 candles each), and an eighth of the service's
   * default, so the cold pass moves about 12 MB of candles through the tiers rather than 100 MB.
   */
  private static final Duration LOOKBACK = Duration.ofHours(2);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;

  private Demo(URI base) {
    this.base = base;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && "serve".equals(args[0])) {
      MarketDataService.main(args);
      return;
    }
    ServiceConfig.Builder builder = ServiceConfig.fromEnvironment(System.getenv())
        .port(0)
        // The demo plays the gateway in front of the service, naming its two clients in this header.
        .trustedClientHeader(ClientLimits.CLIENT_HEADER)
        .clientPlans(Map.of(LOADER, "enterprise"));
    String lookback = System.getenv(ServiceConfig.LOOKBACK_VARIABLE);
    if (lookback == null || lookback.isBlank()) {
      builder.lookback(LOOKBACK);
    }
    ServiceConfig config = builder.build();
    int exit;
    try (MarketDataService service = MarketDataService.start(config)) {
      List<String> symbols = service.listed.stream().limit(SYMBOLS).toList();
      exit = new Demo(service.url()).run(symbols, service);
    }
    if (exit != 0) {
      System.exit(exit);
    }
  }

  private int run(List<String> symbols, MarketDataService service) throws Exception {
    // The cache's alerts are judged over windows (AlertPolicy: 10 s); here the windows are the
    // passes themselves, so the health printed is that of the warm traffic, and the cold pass's
    // alerts (a cold cache misses and loads: low hit rates, load latency) are shown as such.
    service.hotpath.cache().evaluateAlerts();
    JsonNode before = metrics();
    Pass cold = pass(symbols);
    CacheHealth coldHealth = service.hotpath.cache().evaluateAlerts();
    JsonNode afterCold = metrics();
    Pass warm = pass(symbols);
    JsonNode afterWarm = metrics();
    int served = 0;
    int refused = 0;
    String retryAfter = "?";
    for (int i = 0; i < BURST; i++) {
      HttpResponse<String> r = get("/api/market-data?symbols=" + symbols.get(0) + "&timeframes=1h", FREE_CLIENT);
      if (r.statusCode() == 429) {
        refused++;
        retryAfter = r.headers().firstValue("Retry-After").orElse("?");
      } else if (r.statusCode() == 200) {
        served++;
      }
    }
    service.writer.flush(Duration.ofSeconds(30));
    service.hotpath.cache().evaluateAlerts();
    JsonNode end = metrics();
    long exchange429 = end.at("/source/refusalsReceived").asLong();

    System.out.println();
    System.out.printf("market-data-service demo: %d symbols × 6 timeframes (%s), %s, embedded Redis and PostgreSQL"
        + " unless configured%n%n", symbols.size(), TIMEFRAMES, end.at("/source/name").asText());
    System.out.printf("%-40s %12s %12s%n", "", "cold pass", "warm pass");
    row("series answered", cold.series, warm.series);
    row("series failed", cold.failed, warm.failed);
    row("wall time, ms", cold.millis, warm.millis);
    row("symbols/s", Math.round(symbols.size() * 1000.0 / Math.max(1, cold.millis)),
        Math.round(symbols.size() * 1000.0 / Math.max(1, warm.millis)));
    System.out.printf("%-40s %11.1f%% %11.1f%%%n", "cache hit rate",
        100.0 * delta(before, afterCold, "/source/seriesFromCache") / Math.max(1, cold.series),
        100.0 * delta(afterCold, afterWarm, "/source/seriesFromCache") / Math.max(1, warm.series));
    row("klines calls to the exchange", delta(before, afterCold, "/source/klinesCalls"),
        delta(afterCold, afterWarm, "/source/klinesCalls"));
    row("source calls saved by the roll-up", delta(before, afterCold, "/source/callsSavedByRollup"),
        delta(afterCold, afterWarm, "/source/callsSavedByRollup"));
    row("source calls saved by the cache", delta(before, afterCold, "/source/callsSavedByCache"),
        delta(afterCold, afterWarm, "/source/callsSavedByCache"));
    System.out.println();
    System.out.printf("Free-tier burst: %d requests back to back → %d served, %d answered 429 (Retry-After: %s s)%n",
        BURST, served, refused, retryAfter);
    System.out.printf("429s served to clients: %d; 429s received from the exchange: %d%n",
        end.at("/api/tooManyRequests").asLong(), exchange429);
    System.out.printf("1m candles written to %s.candles_1m: %d (lookback %d min)%n", service.config.schema,
        end.at("/storage/candles1mWriter/written").asLong(), service.config.lookback.toMinutes());
    System.out.printf("cache alerts over the cold pass: %s%n", coldHealth.alerts().isEmpty() ? "none"
        : coldHealth.alerts().stream().map(a -> String.format("%s %.2f (limit %.2f)", a.type(), a.observed(),
            a.threshold())).toList());
    System.out.printf("health after the warm pass and the burst: %s%n", end.at("/status").asText());
    service.health().parts().stream().filter(p -> p.status() != CacheHealth.Status.UP)
        .forEach(p -> System.out.println("  " + p));
    boolean ok = exchange429 == 0 && cold.failed == 0 && warm.failed == 0;
    if (!ok) {
      System.out.printf("NOT OK: %d 429s from the exchange, %d series failed in the cold pass %s, %d in the warm pass %s%n",
          exchange429, cold.failed, cold.errors, warm.failed, warm.errors);
    }
    System.out.println();
    return ok ? 0 : 1;
  }

  /** A pass: series answered, its wall time, series that failed and the first few of their errors. */
  private record Pass(long series, long millis, long failed, List<String> errors) {}

  /** Every symbol × timeframe, {@value #SYMBOLS_PER_REQUEST} symbols a request, a few requests at once. */
  private Pass pass(List<String> symbols) throws Exception {
    long started = System.nanoTime();
    Tally tally = new Tally();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int from = 0; from < symbols.size(); from += SYMBOLS_PER_REQUEST) {
      String batch = String.join(",", symbols.subList(from, Math.min(symbols.size(), from + SYMBOLS_PER_REQUEST)));
      inFlight.add(http.sendAsync(request("/api/market-data?symbols=" + batch + "&timeframes=" + TIMEFRAMES
          + "&limit=10", LOADER), HttpResponse.BodyHandlers.ofString()));
      if (inFlight.size() == PARALLEL_REQUESTS) {
        settle(inFlight, tally);
      }
    }
    settle(inFlight, tally);
    return new Pass(tally.answered, (System.nanoTime() - started) / 1_000_000, tally.failed, tally.errors);
  }

  /** What a pass's replies said so far. */
  private static final class Tally {
    long answered;
    long failed;
    final List<String> errors = new ArrayList<>();
  }

  /** Waits for the requests in flight, adding what they answered to {@code tally}. */
  private static void settle(List<CompletableFuture<HttpResponse<String>>> inFlight, Tally tally) throws IOException {
    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      HttpResponse<String> r = f.join();
      if (r.statusCode() != 200) {
        throw new IOException("the service answered " + r.statusCode() + ": " + r.body());
      }
      JsonNode reply = HttpIo.MAPPER.readTree(r.body());
      long requested = reply.at("/metadata/symbolsProcessed").asLong() * reply.at("/metadata/timeframesProcessed").asLong();
      JsonNode failed = reply.get("errors");
      for (JsonNode error : failed) {
        if (tally.errors.size() < ERRORS_SHOWN) {
          tally.errors.add(error.toString());
        }
      }
      tally.answered += requested - failed.size(); // the metadata counts what was asked, failed series included
      tally.failed += failed.size();
    }
    inFlight.clear();
  }

  private JsonNode metrics() throws IOException, InterruptedException {
    return HttpIo.MAPPER.readTree(get("/api/metrics", LOADER).body());
  }

  private HttpResponse<String> get(String path, String client) throws IOException, InterruptedException {
    return http.send(request(path, client), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path, String client) {
    return HttpRequest.newBuilder(base.resolve(path)).header(ClientLimits.CLIENT_HEADER, client)
        .timeout(Duration.ofSeconds(60)).GET().build();
  }

  private static long delta(JsonNode from, JsonNode to, String pointer) {
    return to.at(pointer).asLong() - from.at(pointer).asLong();
  }

  private static void row(String label, long cold, long warm) {
    System.out.printf("%-40s %,12d %,12d%n", label, cold, warm);
  }
}
