package dev.hotpath.examples.marketdata;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A figure, not a test: requests per second and p50/p99 latency of a warm {@code GET
 * /api/market-data} of 100 symbols × 3 timeframes (1m, 5m, 1h; 10 candles each), on the embedded
 * defaults, from a few client threads over loopback in the same JVM; it asserts nothing. Run it
 * from the repository's root (arguments: client threads, default 4; requests, default 2,000):
 *
 * <pre>
 * ./mvnw -q -pl examples/market-data-service -am package -DskipTests exec:java \
 *     -Dexec.mainClass=dev.hotpath.examples.marketdata.WarmRequestsHarness -Dexec.classpathScope=test
 * </pre>
 *
 * The client is on the Enterprise plan (1,000 requests a second): past that it would measure 429s,
 * and stops at the first.
 */
public final class WarmRequestsHarness {
  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    // The harness plays the gateway in front of the service that names the client in a header.
    ServiceConfig config = ServiceConfig.builder().port(0).trustedClientHeader(ClientLimits.CLIENT_HEADER)
        .clientPlans(Map.of("harness", "enterprise")).build();
    try (MarketDataService service = MarketDataService.start(config)) {
      List<String> symbols = service.listed.stream().limit(100).toList();
      URI uri = service.url().resolve("/api/market-data?symbols=" + String.join(",", symbols)
          + "&timeframes=1m,5m,1h&limit=10");
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(uri).header(ClientLimits.CLIENT_HEADER, "harness")
          .timeout(Duration.ofSeconds(30)).build();
      for (int i = 0; i < 200; i++) { // warm the cache and the JIT
        http.send(request, HttpResponse.BodyHandlers.ofString());
      }
      long[] latencies = new long[requests];
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long started = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(pool.submit(() -> {
          for (int i = first; i < requests; i += threads) {
            long s = System.nanoTime();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            latencies[i] = System.nanoTime() - s;
            if (r.statusCode() != 200) {
              throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      pool.shutdown();
      Arrays.sort(latencies);
      System.out.printf("warm GET /api/market-data, 100 symbols x 3 timeframes, %d threads, %d requests:"
              + " %.0f requests/s, p50 %.2f ms, p99 %.2f ms%n", threads, requests, requests / seconds,
          latencies[requests / 2] / 1e6, latencies[(int) (requests * 0.99)] / 1e6);
    }
  }
}
