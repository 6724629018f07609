package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An offline stand-in for Binance's spot REST API on loopback, so the service runs and its tests
 * pass without a network: {@code GET /api/v3/exchangeInfo} and {@code GET /api/v3/klines} in
 * Binance's formats, with deterministic candles (a function of symbol and minute, so every run
 * and every node sees the same prices) and Binance's quota: request weight counted per clock
 * minute, {@code X-MBX-USED-WEIGHT-1M} on every reply, and 429 with {@code Retry-After} (to the
 * minute's end) for a request over the limit. Invalid symbols get Binance's 400 {@code -1121}.
 *
 * <p>The engine's test-jar has a richer simulator ({@code dev.hotpath.testing.exchange}: bans,
 * injected failures) for the engine's own tests; it speaks a ticker protocol, not klines, and is
 * test code, while this one runs in the service's main code by default. Thread-safe.
 */
final class SimulatedBinance implements AutoCloseable {
  /** Binance's spot limit: 6,000 request weight per minute and IP. */
  static final int WEIGHT_PER_MINUTE = 6_000;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long MINUTE_MILLIS = Duration.ofMinutes(1).toMillis();
  private static final String[] MAJORS = {"BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "TRX", "DOT", "LINK",
      "AVAX", "MATIC", "LTC", "ATOM", "UNI", "XLM", "ETC", "FIL", "APT", "NEAR"};

  private final HttpServer server;
  private final ExecutorService threads;
  private final Clock clock;
  private final Duration latency;
  private final Set<String> symbols;
  private final Object quotaLock = new Object();
  private long window = Long.MIN_VALUE; // guarded by quotaLock
  private long used; // guarded by quotaLock
  private long refused; // guarded by quotaLock

  /**
   * Starts the exchange on a free loopback port.
   *
   * @param symbolCount how many symbols it lists: the 20 majors quoted in USDT, then {@code
   *     S0001USDT}, {@code S0002USDT}, …
   * @param latency how long each klines call takes to answer
   */
  SimulatedBinance(int symbolCount, Duration latency, Clock clock) {
    this.clock = clock;
    this.latency = latency;
    this.symbols = symbols(symbolCount);
    this.threads = Executors.newFixedThreadPool(16, r -> {
      Thread t = new Thread(r, "simulated-binance");
      t.setDaemon(true);
      return t;
    });
    try {
      this.server = HttpIo.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the simulated exchange", e);
    }
    server.setExecutor(threads);
    server.createContext("/api/v3/exchangeInfo", this::exchangeInfo);
    server.createContext("/api/v3/klines", this::klines);
    server.start();
  }

  /** The symbols it lists, in order. */
  static Set<String> symbols(int count) {
    Set<String> symbols = new LinkedHashSet<>();
    for (int i = 0; symbols.size() < count; i++) {
      symbols.add(i < MAJORS.length ? MAJORS[i] + "USDT" : String.format("S%04dUSDT", i - MAJORS.length + 1));
    }
    return symbols;
  }

  /** {@code http://127.0.0.1:<port>}. */
  URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Requests refused with 429 so far. */
  long refused() {
    synchronized (quotaLock) {
      return refused;
    }
  }

  /**
   * The 1m candle of {@code symbol} for the minute starting at {@code openTime}, as it stands at
   * {@code nowMillis}: deterministic, and closed once its minute has ended.
   */
  static Candle candle(String symbol, long openTime, long nowMillis) {
    double seed = Math.floorMod(symbol.hashCode(), 10_000);
    double base = 1 + seed * 7.3;
    long minute = openTime / MINUTE_MILLIS;
    boolean closed = openTime + MINUTE_MILLIS <= nowMillis;
    double progress = closed ? 1 : (nowMillis - openTime) / (double) MINUTE_MILLIS;
    double open = price(base, seed, minute);
    double close = open + (price(base, seed, minute + 1) - open) * progress;
    double wiggle = base * 0.0004 * (1 + Math.abs(Math.sin(minute * 1.7 + seed)));
    BigDecimal o = scaled(open);
    BigDecimal c = scaled(close);
    BigDecimal high = scaled(Math.max(open, close) + wiggle).max(o.max(c));
    BigDecimal low = scaled(Math.min(open, close) - wiggle).min(o.min(c));
    BigDecimal volume = scaled((10 + Math.floorMod(minute * 31 + (long) seed, 997)) * progress);
    return new Candle(Timeframe.M1, openTime, o, high, low, c, volume, closed);
  }

  private static double price(double base, double seed, long minute) {
    return base * (1 + 0.02 * Math.sin(minute / 37.0 + seed) + 0.01 * Math.sin(minute / 7.3 + 2 * seed));
  }

  private static BigDecimal scaled(double value) {
    return BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_UP);
  }

  private void exchangeInfo(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!admit(exchange, BinanceSource.EXCHANGE_INFO_WEIGHT)) {
        return;
      }
      List<Map<String, Object>> listed = new ArrayList<>();
      for (String symbol : symbols) {
        listed.add(Map.of("symbol", symbol, "status", "TRADING", "baseAsset", symbol.substring(0, symbol.length() - 4),
            "quoteAsset", "USDT"));
      }
      Map<String, Object> body = Map.of("timezone", "UTC", "serverTime", clock.millis(),
          "rateLimits", List.of(Map.of("rateLimitType", "REQUEST_WEIGHT", "interval", "MINUTE", "intervalNum", 1,
              "limit", WEIGHT_PER_MINUTE)),
          "symbols", listed);
      respond(exchange, 200, MAPPER.writeValueAsBytes(body));
    }
  }

  private void klines(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!admit(exchange, BinanceSource.KLINES_WEIGHT)) {
        return;
      }
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      String symbol = query.getOrDefault("symbol", "");
      if (!symbols.contains(symbol)) {
        respond(exchange, 400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      int limit = Math.min(1_000, Integer.parseInt(query.getOrDefault("limit", "500")));
      TimeUnit.NANOSECONDS.sleep(latency.toNanos());
      long now = clock.millis();
      long newest = now - Math.floorMod(now, MINUTE_MILLIS);
      List<List<Object>> rows = new ArrayList<>(limit);
      for (long t = newest - (limit - 1) * MINUTE_MILLIS; t <= newest; t += MINUTE_MILLIS) {
        rows.add(BinanceJson.klineRow(candle(symbol, t, now)));
      }
      respond(exchange, 200, MAPPER.writeValueAsBytes(rows));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (NumberFormatException e) {
      respond(exchange, 400, "{\"code\":-1100,\"msg\":\"Illegal characters found in parameter 'limit'.\"}"
          .getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Counts {@code weight} in this minute, or answers 429; either way sets the used-weight header. */
  private boolean admit(HttpExchange exchange, int weight) throws IOException {
    long now = clock.millis();
    long minute = Math.floorDiv(now, MINUTE_MILLIS);
    boolean admitted;
    long usedNow;
    synchronized (quotaLock) {
      if (minute != window) {
        window = minute;
        used = 0;
      }
      admitted = used + weight <= WEIGHT_PER_MINUTE;
      if (admitted) {
        used += weight;
      } else {
        refused++;
      }
      usedNow = used;
    }
    exchange.getResponseHeaders().add(BinanceSource.USED_WEIGHT_HEADER, Long.toString(usedNow));
    if (!admitted) {
      long retryAfter = Math.max(1, ((minute + 1) * MINUTE_MILLIS - now + 999) / 1_000);
      exchange.getResponseHeaders().add("Retry-After", Long.toString(retryAfter));
      respond(exchange, 429, "{\"code\":-1003,\"msg\":\"Too much request weight used.\"}"
          .getBytes(StandardCharsets.UTF_8));
    }
    return admitted;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return query;
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/json;charset=UTF-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
