package dev.hotpath.examples.marketdata;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.Hotpath;
import dev.hotpath.HotpathHealth;
import dev.hotpath.cache.CacheHealth;
import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.TypeToken;
import dev.hotpath.cache.timescale.RetentionManager;
import dev.hotpath.cache.timescale.TimeSeriesWriter;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Concurrency;
import dev.hotpath.engine.Priority;
import dev.hotpath.engine.Retry;
import dev.hotpath.engine.RollupSource;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisDownPolicy;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The market-data service: candles of the exchange's symbols over HTTP, served cache first by a
 * Hotpath engine (in process → Redis → PostgreSQL → the exchange), with per-client limits,
 * indicators, HTTP caching, health, Prometheus metrics and a dashboard. Run it with {@link
 * #main}; configure it with environment variables ({@link ServiceConfig#fromEnvironment}).
 *
 * <p>Endpoints: {@code GET|POST /api/market-data}, {@code GET /api/indicators}, {@code GET
 * /api/metrics}, {@code GET /metrics} (Prometheus), {@code GET /health}, {@code GET /} (dashboard).
 *
 * <p>What it builds, in order: embedded Redis and PostgreSQL when no URL is configured; one
 * HikariCP pool shared by the PostgreSQL tier, the candle writer and the retention manager; the
 * exchange source (simulated or Binance) wrapped so that closed 1m candles are written to {@code
 * candles_1m}, under a roll-up that derives 5m…1d from 1m; the {@link Hotpath} (namespaces {@code
 * ohlc} and {@code indicators}, the exchange's weight limiter and one limiter per client plan,
 * Redis-backed when Redis is there, and the engine); the retention manager; the HTTP server.
 * {@link #close()} takes it down in the opposite order. Thread-safe.
 */
public final class MarketDataService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MarketDataService.class);
  /** The exchange's weight limit, shared by every instance through Redis; Binance counts per IP. */
  static final Bandwidth EXCHANGE_WEIGHT = Bandwidth.builder().id("weight-1m")
      .capacity(SimulatedBinance.WEIGHT_PER_MINUTE).refillWindow(Duration.ofMinutes(1)).build();
  static final String EXCHANGE_KEY = "ip-1";
  private static final TypeToken<List<Candle>> LIST_OF_CANDLES = new TypeToken<>() {};

  final ServiceConfig config;
  final Clock clock = Clock.systemUTC();
  final ServiceStats stats = new ServiceStats(clock::millis);
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopping;

  EmbeddedServers embedded;
  private HikariDataSource pool;
  private SimulatedBinance simulated;
  BinanceSource source;
  TimeSeriesWriter<CandleRecorder.Row> writer;
  CandleRecorder recorder;
  AnalyticsRecorder analytics;
  EventLog events;
  Hotpath hotpath;
  BatchEngine<SeriesKey, List<Candle>> engine;
  Namespace<SeriesKey, List<Candle>> candles;
  Namespace<String, IndicatorService.Series> indicatorCache;
  ClientLimits limits;
  Set<String> listed = Set.of();
  RetentionManager retention;
  private PrometheusMeterRegistry registry;
  private HttpServer server;
  private ExecutorService httpThreads;

  private MarketDataService(ServiceConfig config) {
    this.config = config;
  }

  /**
   * Starts the service; when a part fails to start, closes those started and throws.
   *
   * @throws IllegalStateException or UncheckedIOException when a server cannot be reached
   */
  public static MarketDataService start(ServiceConfig config) {
    MarketDataService service = new MarketDataService(config);
    try {
      service.startParts();
      return service;
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
  }

  private void startParts() {
    LOG.info("starting: {}", config);
    embedded = new EmbeddedServers();
    String redisUrl = config.redisUrl != null ? config.redisUrl : embedded.startRedis();
    String postgresUrl = config.postgresUrl != null ? config.postgresUrl : embedded.startPostgres();
    pool = pool(postgresUrl, config.postgresUser, config.postgresPassword);
    try {
      MarketTables.create(pool, config.schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the tables in schema " + config.schema + ": " + e.getMessage(), e);
    }

    URI exchange;
    if (config.simulated()) {
      simulated = new SimulatedBinance(config.simulatedSymbols, config.simulatedLatency, clock);
      exchange = simulated.baseUri();
      LOG.info("source: a simulated Binance at {} ({} symbols); MARKET_DATA_SOURCE=binance for the real one",
          exchange, config.simulatedSymbols);
    } else {
      exchange = config.binanceUrl;
      LOG.info("source: Binance at {}", exchange);
    }
    source = new BinanceSource(exchange, config.lookback, clock, Duration.ofSeconds(10));
    events = new EventLog(pool, config.schema, clock);
    writer = CandleRecorder.writer(pool, config.schema);
    analytics = new AnalyticsRecorder(pool, config.schema);
    recorder = new CandleRecorder(source, writer);
    RollupSource rollup = RollupSource.builder(recorder).build();

    TtlProfile ttl = TtlProfile.builder().l1(config.candleTtl).l2(config.candleTtl).build();
    NamespaceSpec<SeriesKey, List<Candle>> ohlc =
        NamespaceSpec.builder("ohlc", TypeToken.of(SeriesKey.class), LIST_OF_CANDLES)
            .ttl(ttl)
            .maximumSize(20_000)
            .keyCodec(SeriesKey.keyCodec())
            .valueCodec(JsonCodec.of(LIST_OF_CANDLES))
            .build();
    NamespaceSpec<String, IndicatorService.Series> indicatorSpec = IndicatorService.namespace(ttl);
    Hotpath.Builder builder = Hotpath.builder()
        .redis(redisUrl)
        .redisKeyPrefix(config.redisKeyPrefix)
        .postgres(pool)
        .postgresSchema(config.schema)
        // Fail open: with Redis away each node admits a share of each limit, and keeps answering.
        .rateLimiterDownPolicy(config.limitsFailOpen ? RedisDownPolicy.failOpen(0.5) : RedisDownPolicy.failClosed())
        .namespace(ohlc)
        .namespace(indicatorSpec)
        .rateLimiter("exchange", RateLimit.of(EXCHANGE_WEIGHT))
        .engine("candles", ohlc, rollup, (engine, limiters) -> engine
            .quota(limiters.get("exchange"), EXCHANGE_KEY)
            .usedWeightBandwidth(EXCHANGE_WEIGHT)
            .concurrency(Concurrency.adaptive(2, 32))
            .retry(Retry.exponential(3, Duration.ofMillis(100)))
            .queue(Priority.HIGH, 20_000).queue(Priority.NORMAL, 50_000).queue(Priority.LOW, 100_000)
            .defaultDeadline(Duration.ofSeconds(10))
            .drainTimeout(Duration.ofSeconds(5)));
    if (config.nodeId != null) {
      builder.nodeId(config.nodeId);
    }
    hotpath = ClientLimits.configure(builder).build();
    engine = hotpath.engine("candles", ohlc);
    candles = hotpath.cache().namespace(ohlc);
    indicatorCache = hotpath.cache().namespace(indicatorSpec);
    limits = new ClientLimits(config, hotpath);

    listed = listedSymbols();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    hotpath.bindTo(registry);
    writer.bindTo(registry);
    analytics.indicatorWriter().bindTo(registry);
    analytics.signalWriter().bindTo(registry);
    events.writer().bindTo(registry);
    retention = MarketTables.retention(pool, config);
    retention.bindTo(registry);
    retention.start();

    MarketDataApi api = new MarketDataApi(engine, candles, new IndicatorService(indicatorCache, engine, analytics), listed,
        config, stats, clock);
    startHttp(api);
    events.info("started: " + config + ", listening on " + url());
  }

  /** The symbols the exchange trades, from exchangeInfo, whose weight the exchange limiter pays first. */
  private Set<String> listedSymbols() {
    try {
      hotpath.rateLimiter("exchange").acquire(EXCHANGE_KEY, BinanceSource.EXCHANGE_INFO_WEIGHT, Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
    Set<String> listed = source.tradingSymbols();
    LOG.info("the exchange lists {} trading symbols", listed.size());
    return listed;
  }

  private static HikariDataSource pool(String jdbcUrl, String user, String password) {
    HikariConfig c = new HikariConfig();
    c.setPoolName("market-data");
    c.setJdbcUrl(jdbcUrl);
    c.setUsername(user);
    c.setPassword(password);
    c.setMaximumPoolSize(8);
    c.setConnectionTimeout(3_000);
    c.setValidationTimeout(1_000);
    // Stated so that a connection lost during its first setup does not poison the pool (see PostgresTier).
    c.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    c.addDataSourceProperty("ApplicationName", "market-data-service");
    c.addDataSourceProperty("socketTimeout", "30");
    return new HikariDataSource(c);
  }

  private void startHttp(MarketDataApi api) {
    try {
      server = HttpIo.server(new InetSocketAddress(config.bindAddress, config.port), 200);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + config.bindAddress + ":" + config.port, e);
    }
    AtomicInteger n = new AtomicInteger();
    httpThreads = Executors.newFixedThreadPool(32, r -> {
      Thread t = new Thread(r, "market-data-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(httpThreads);
    server.createContext("/api/market-data", e -> handle(e, "market-data", true, api::marketData));
    server.createContext("/api/indicators", e -> handle(e, "indicators", true, api::indicators));
    server.createContext("/api/metrics", e -> handle(e, "api-metrics", false,
        x -> HttpIo.json(x, 200, MetricsSnapshot.of(this))));
    server.createContext("/metrics", e -> handle(e, "prometheus", false, x -> HttpIo.send(x, 200,
        "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8))));
    server.createContext("/health", e -> handle(e, "health", false, this::health));
    server.createContext("/", e -> handle(e, "dashboard", false, this::dashboard));
    server.start();
    LOG.info("listening on {} — dashboard at {}", url(), url());
  }

  /** {@code http://host:port/}. */
  public URI url() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
    return URI.create("http://" + host + ":" + address.getPort() + "/");
  }

  /** The health of every part; DOWN while the service stops. */
  HotpathHealth health() {
    HotpathHealth health = hotpath.health();
    return stopping ? new HotpathHealth(CacheHealth.Status.DOWN, health.parts()) : health;
  }

  private void health(HttpExchange exchange) throws IOException {
    HotpathHealth health = hotpath.health();
    boolean down = stopping || health.status() == CacheHealth.Status.DOWN;
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    HttpIo.json(exchange, down ? 503 : 200, MetricsSnapshot.health(health, stopping));
  }

  private void dashboard(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!"/".equals(path) && !"/index.html".equals(path)) {
      throw new ApiException(404, null, "no such endpoint: " + path + " (see /api/market-data, /api/indicators,"
          + " /api/metrics, /metrics, /health, /)");
    }
    try (InputStream page = MarketDataService.class.getResourceAsStream("dashboard.html")) {
      if (page == null) {
        throw new IllegalStateException("dashboard.html is missing from the class path");
      }
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      HttpIo.send(exchange, 200, "text/html; charset=utf-8", page.readAllBytes());
    }
  }

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  /** Runs a handler: limits first where they apply, then errors as JSON, never a stack trace. */
  private void handle(HttpExchange exchange, String endpoint, boolean limited, Handler handler) {
    long started = System.nanoTime();
    if (limited) {
      stats.requests.increment();
    }
    try (exchange) {
      try {
        if (stopping && limited) {
          throw new ApiException(503, null, "the service is stopping");
        }
        if (limited) {
          limits.admit(exchange);
        }
        handler.handle(exchange);
      } catch (ApiException e) {
        if (e.status == 400 || e.status == 413) {
          stats.badRequests.increment();
        } else if (e.status == 503) {
          events.warn("503 " + describe(exchange) + ": " + e.getMessage());
        }
        HttpIo.error(exchange, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        HttpIo.error(exchange, new ApiException(503, null, "the service is stopping"));
      } catch (RuntimeException e) {
        stats.serverErrors.increment();
        LOG.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
        events.error("500 " + describe(exchange) + ": " + e);
        HttpIo.error(exchange, new ApiException(500, null, "internal error; the service log has the details"));
      }
    } catch (IOException e) {
      LOG.debug("could not answer {}: {}", exchange.getRequestURI().getPath(), e.toString());
    } finally {
      Timer.builder("marketdata.http.requests").tag("endpoint", endpoint)
          .tag("status", Integer.toString(exchange.getResponseCode())).register(registry)
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
  }

  /** {@code GET /api/market-data} (no query: it may be long, and the log needs no client's input). */
  private static String describe(HttpExchange exchange) {
    return exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops gracefully: refuses new API requests (503) and stops the listener, letting requests in
   * progress finish for up to a second; drains the engine; flushes the candle, indicator, signal
   * and event writers; stops the
   * retention manager; closes the Hotpath (limiters, cache, tiers, Redis client), the pool, the
   * simulated exchange and the embedded servers. Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    stopping = true;
    LOG.info("stopping: no new requests; draining");
    quietly("http server", () -> {
      if (server != null) {
        server.stop(1);
      }
      if (httpThreads != null) {
        httpThreads.shutdown();
        httpThreads.awaitTermination(5, TimeUnit.SECONDS);
      }
    });
    quietly("engine", () -> {
      if (engine != null) {
        engine.close();
      }
    });
    quietly("retention manager", () -> {
      if (retention != null) {
        retention.close();
      }
    });
    quietly("candle writer", () -> {
      if (writer != null) {
        writer.close();
        LOG.info("candle writer flushed: {}", writer.stats());
      }
    });
    quietly("indicator and signal writers", () -> {
      if (analytics != null) {
        analytics.close();
      }
    });
    quietly("event log", () -> {
      if (events != null) {
        events.info("stopped: engine drained, candles, indicators and signals written");
        events.close();
      }
    });
    quietly("hotpath", () -> {
      if (hotpath != null) {
        hotpath.close();
      }
    });
    quietly("pool", () -> {
      if (pool != null) {
        pool.close();
      }
    });
    quietly("simulated exchange", () -> {
      if (simulated != null) {
        simulated.close();
      }
    });
    quietly("metrics", () -> {
      if (registry != null) {
        registry.close();
      }
    });
    quietly("embedded servers", () -> {
      if (embedded != null) {
        embedded.close();
      }
    });
    LOG.info("stopped");
    stopped.countDown();
  }

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  private static void quietly(String part, Step step) {
    try {
      step.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("{} did not close cleanly: {}", part, e.toString());
    }
  }

  /**
   * Runs the service until SIGTERM or Ctrl-C, configured by the environment (see the README).
   */
  public static void main(String[] args) throws InterruptedException {
    MarketDataService service = start(ServiceConfig.fromEnvironment(System.getenv()).build());
    Runtime.getRuntime().addShutdownHook(new Thread(service::close, "market-data-shutdown"));
    System.out.println("market-data-service is running; dashboard: " + service.url() + " (Ctrl-C stops it)");
    service.awaitStop();
  }
}
