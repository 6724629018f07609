package dev.hotpath.testing.exchange;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hotpath.ratelimit.NanoClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Binance-like REST exchange on loopback (JDK {@code HttpServer}), for tests, examples and
 * benchmarks: one endpoint, {@code GET /api/v3/ticker/price?symbols=A,B}, that answers one line
 * {@code SYMBOL VALUE} per known symbol, and enforces a request-weight quota the way Binance does.
 *
 * <ul>
 *   <li>Weight is counted per clock-aligned window (configurable, so tests run in seconds) by the
 *       time a request arrives; a request costs {@code weightPerRequest + weightPerSymbol × symbols}.
 *   <li>A request that would go over the limit gets 429 with {@code Retry-After} (whole seconds,
 *       rounded up, to the window's end) and is not counted. Requests that arrive before that
 *       {@code Retry-After} has passed are violations; after {@code banAfterViolations} of them the
 *       IP is banned: 418 with the ban's {@code Retry-After}.
 *   <li>Every reply, refusals included, carries {@code X-MBX-USED-WEIGHT-1M}: the weight used in the
 *       current window, including what {@link Builder#otherClientWeight other clients} on the same
 *       IP used.
 *   <li>Latency, failures (HTTP 500), invalid symbols (HTTP 400, the whole request), unknown
 *       symbols (left out of the answer) and hanging symbols can be injected.
 * </ul>
 *
 * <p>It records what it served: requests, refusals, bans, our weight per window, and requests per
 * symbol. Thread-safe.
 */
public final class SimulatedExchange implements AutoCloseable {
  public static final String USED_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M";
  public static final String PATH = "/api/v3/ticker/price";

  static {
    // The JDK's server writes a reply's headers and its body in two writes; with Nagle's algorithm
    // on, the body waits for the client's delayed ACK (up to 40 ms on Linux), so one call in a
    // burst took 20 ms of latency + 40 ms of TCP. The property is read once, when the server's
    // classes load, hence here, before any server of this class is created. A value the host set
    // is kept.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final NanoClock clock;
  private final long windowNanos;
  private final long limit;
  private final long otherClientWeight;
  private final int weightPerRequest;
  private final int weightPerSymbol;
  private final int banAfterViolations;
  private final long banNanos;
  private final Set<String> unknown;
  private final Set<String> invalid;
  private volatile long latencyNanos;

  // quota state, guarded by this
  private final Map<Long, Long> usedByWindow = new TreeMap<>();
  private final Map<Long, Long> oursByWindow = new TreeMap<>();
  private long backoffUntil = Long.MIN_VALUE;
  private long bannedUntil = Long.MIN_VALUE;
  private int violations;

  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger refusals = new AtomicInteger();
  private final AtomicInteger bans = new AtomicInteger();
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final List<String> refusalLog = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> requestsBySymbol = new ConcurrentHashMap<>();
  private final Set<String> hanging = ConcurrentHashMap.newKeySet();
  private volatile CountDownLatch hangRelease = new CountDownLatch(1);

  private SimulatedExchange(Builder b) throws IOException {
    this.clock = b.clock;
    this.windowNanos = b.window.toNanos();
    this.limit = b.limit;
    this.otherClientWeight = b.otherClientWeight;
    this.weightPerRequest = b.weightPerRequest;
    this.weightPerSymbol = b.weightPerSymbol;
    this.banAfterViolations = b.banAfterViolations;
    this.banNanos = b.banDuration.toNanos();
    this.latencyNanos = b.latency.toNanos();
    this.unknown = Set.copyOf(b.unknown);
    this.invalid = Set.copyOf(b.invalid);
    this.threads = Executors.newFixedThreadPool(b.threads, r -> {
      Thread t = new Thread(r, "simulated-exchange");
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    server.setExecutor(threads);
    server.createContext(PATH, this::handle);
    server.start();
  }

  /** A builder; every value has a default (no quota to speak of: 1,000,000 weight per minute). */
  public static Builder builder() {
    return new Builder();
  }

  /** The value the exchange answers for {@code symbol}. */
  public static String valueOf(String symbol) {
    return "px:" + symbol;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** An HTTP {@link dev.hotpath.engine.Source} over this exchange, fetching up to {@code maxKeysPerCall} symbols a call. */
  public HttpExchangeSource source(int maxKeysPerCall) {
    return new HttpExchangeSource(baseUri(), maxKeysPerCall, weightPerRequest, weightPerSymbol);
  }

  /** The weight the exchange charges for a request of {@code symbols} symbols. */
  public long weight(int symbols) {
    return weightPerRequest + (long) weightPerSymbol * symbols;
  }

  /** The next {@code n} requests fail with HTTP 500 (after being counted). */
  public void failNext(int n) {
    failNext.set(n);
  }

  /** Answers from now on after {@code latency}. */
  public void latency(Duration latency) {
    this.latencyNanos = latency.toNanos();
  }

  /** Requests for {@code symbol} hang until {@link #releaseHung()}. */
  public void hang(String symbol) {
    hanging.add(symbol);
  }

  /** Lets every hanging request answer, and stops hanging. */
  public void releaseHung() {
    hanging.clear();
    hangRelease.countDown();
    hangRelease = new CountDownLatch(1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try (exchange) {
      requests.incrementAndGet();
      String query = exchange.getRequestURI().getRawQuery();
      List<String> symbols = query == null || !query.startsWith("symbols=") ? List.of()
          : Arrays.asList(query.substring("symbols=".length()).split(","));
      Accounting accounting = account(weight(symbols.size()));
      exchange.getResponseHeaders().add(USED_WEIGHT_HEADER, Long.toString(accounting.used));
      if (accounting.status != 0) {
        exchange.getResponseHeaders().add("Retry-After", Long.toString(ceilSeconds(accounting.retryAfterNanos)));
        respond(exchange, accounting.status, accounting.status == 418 ? "banned" : "too many requests");
        return;
      }
      for (String symbol : symbols) {
        requestsBySymbol.computeIfAbsent(symbol, s -> new AtomicInteger()).incrementAndGet();
      }
      sleep(latencyNanos);
      if (symbols.stream().anyMatch(hanging::contains)) {
        CountDownLatch release = hangRelease;
        if (!hanging.isEmpty()) {
          release.await(60, TimeUnit.SECONDS);
        }
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        respond(exchange, 500, "internal error");
        return;
      }
      for (String symbol : symbols) {
        if (invalid.contains(symbol)) {
          respond(exchange, 400, "invalid symbol " + symbol);
          return;
        }
      }
      StringBuilder body = new StringBuilder();
      for (String symbol : symbols) {
        if (!unknown.contains(symbol)) {
          body.append(symbol).append(' ').append(valueOf(symbol)).append('\n');
        }
      }
      respond(exchange, 200, body.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** What the quota said of one request: 0 or the refusal's status, the header's used weight, the Retry-After. */
  private record Accounting(int status, long used, long retryAfterNanos) {}

  /** Counts a request's weight, or refuses it. */
  private synchronized Accounting account(long weight) {
    long now = clock.nanos();
    long window = Math.floorDiv(now, windowNanos);
    long current = usedByWindow.getOrDefault(window, otherClientWeight);
    if (now < bannedUntil) {
      bans.incrementAndGet();
      return new Accounting(418, current, bannedUntil - now);
    }
    if (now < backoffUntil) {
      if (++violations >= banAfterViolations) {
        bannedUntil = now + banNanos;
        bans.incrementAndGet();
        return new Accounting(418, current, banNanos);
      }
      refusals.incrementAndGet();
      return new Accounting(429, current, backoffUntil - now);
    }
    if (current + weight > limit) {
      long windowEnd = (window + 1) * windowNanos;
      refusalLog.add("429 in window " + window + " at +" + (now - window * windowNanos) / 1_000_000 + " ms: used "
          + current + " + weight " + weight + " > " + limit);
      // Retry-After is whole seconds, rounded up: coming back before it is a violation.
      backoffUntil = now + TimeUnit.SECONDS.toNanos(ceilSeconds(windowEnd - now));
      refusals.incrementAndGet();
      return new Accounting(429, current, backoffUntil - now);
    }
    usedByWindow.put(window, current + weight);
    oursByWindow.merge(window, weight, Long::sum);
    return new Accounting(0, current + weight, 0);
  }

  private static long ceilSeconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static void sleep(long nanos) throws InterruptedException {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  /** Requests received, refusals and bans included. */
  public int requests() {
    return requests.get();
  }

  /** 429 answers. */
  public int refusals() {
    return refusals.get();
  }

  /** 418 answers. */
  public int bans() {
    return bans.get();
  }

  /** The most requests handled at once. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Weight our requests used, by window index (epoch nanos / window), in window order. */
  public synchronized Map<Long, Long> weightByWindow() {
    return new TreeMap<>(oursByWindow);
  }

  /** The windows in which our requests used weight, in order. */
  public synchronized List<Long> windowsUsed() {
    return new ArrayList<>(oursByWindow.keySet());
  }

  /** How many served requests (not refused) carried {@code symbol}. */
  public int requestsFor(String symbol) {
    AtomicInteger n = requestsBySymbol.get(symbol);
    return n == null ? 0 : n.get();
  }

  /** Every symbol served, with its request count. */
  public Map<String, Integer> requestsBySymbol() {
    Map<String, Integer> copy = new TreeMap<>();
    requestsBySymbol.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** What each over-the-limit refusal was about (not the violations after it). */
  public List<String> refusalLog() {
    return List.copyOf(refusalLog);
  }

  /** The limit per window. */
  public long limit() {
    return limit;
  }

  @Override
  public void close() {
    releaseHung();
    server.stop(0);
    threads.shutdownNow();
  }

  /** Builds a {@link SimulatedExchange}; {@link #start()} binds it to a free loopback port. */
  public static final class Builder {
    private NanoClock clock = NanoClock.system();
    private Duration window = Duration.ofMinutes(1);
    private long limit = 1_000_000;
    private long otherClientWeight;
    private int weightPerRequest = 1;
    private int weightPerSymbol;
    private int banAfterViolations = 10;
    private Duration banDuration = Duration.ofSeconds(30);
    private Duration latency = Duration.ZERO;
    private int threads = 16;
    private final Set<String> unknown = new HashSet<>();
    private final Set<String> invalid = new HashSet<>();

    private Builder() {
    }

    /** The clock windows are counted by; share it with the limiter's. Default {@link NanoClock#system()}. */
    public Builder clock(NanoClock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** {@code limit} weight per clock-aligned {@code window}. Default 1,000,000 per minute. */
    public Builder quota(long limit, Duration window) {
      this.limit = limit;
      this.window = requireNonNull(window, "window");
      return this;
    }

    /** Weight another client on the same IP uses at the start of every window. Default 0. */
    public Builder otherClientWeight(long weight) {
      this.otherClientWeight = weight;
      return this;
    }

    /** A request costs {@code perRequest + perSymbol × symbols}. Default 1 + 0. */
    public Builder weight(int perRequest, int perSymbol) {
      this.weightPerRequest = perRequest;
      this.weightPerSymbol = perSymbol;
      return this;
    }

    /**
     * Requests that may arrive during a 429's Retry-After (violations) before the IP is banned for
     * {@code ban}; requests the client had sent before it saw the 429 count too. Default 10, 30 s.
     */
    public Builder banAfterViolations(int violations, Duration ban) {
      this.banAfterViolations = violations;
      this.banDuration = requireNonNull(ban, "ban");
      return this;
    }

    /** Time to answer each served request. Default none. */
    public Builder latency(Duration latency) {
      this.latency = requireNonNull(latency, "latency");
      return this;
    }

    /** Server threads (requests handled at once). Default 16. */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Symbols the exchange does not list: left out of answers. */
    public Builder unknown(String... symbols) {
      unknown.addAll(List.of(symbols));
      return this;
    }

    /** Symbols that make a request fail with 400, as Binance does for an invalid symbol. */
    public Builder invalid(String... symbols) {
      invalid.addAll(List.of(symbols));
      return this;
    }

    /** Starts the exchange on a free loopback port. */
    public SimulatedExchange start() {
      try {
        return new SimulatedExchange(this);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
