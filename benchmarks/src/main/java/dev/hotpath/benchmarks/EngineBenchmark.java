package dev.hotpath.benchmarks;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.BatchResult;
import dev.hotpath.engine.Concurrency;
import dev.hotpath.engine.Priority;
import dev.hotpath.engine.SourceReply;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.testing.exchange.HttpExchangeSource;
import dev.hotpath.testing.exchange.SimulatedExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batches through {@link BatchEngine} ({@code *Hotpath}) beside the loader a user writes today
 * ({@code *Baseline}, {@link HandWiredBatches}: a fixed thread pool, Caffeine {@code getAll}, a
 * Bucket4j bucket with the same quota), both calling the same {@link HttpExchangeSource} over a
 * {@link SimulatedExchange} on loopback. The Hotpath side is configured as the README shows: an
 * in-process-only {@link TieredCache} namespace, a {@link LocalRateLimiter} quota with the
 * exchange's used-weight figures synced into it, {@code Concurrency.adaptive(2, 64)}. Each
 * benchmark has its own state, so a fork builds only the side it measures. Keys look like
 * {@code BTC0001:1m}: 5,000 symbols × 6 timeframes. Calls carry up to {@value #KEYS_PER_CALL} keys
 * and cost 1 + 1 per key in weight.
 *
 * <ul>
 *   <li>{@code warm*} (batches per second): one batch of all 30,000 keys, every one cached.
 *   <li>{@code mixed*} (batches per second): a batch of {@value #MIXED_BATCH} keys of which
 *       {@value #MIXED_MISSES} (15 %) are not cached and come from the exchange, which answers after
 *       20 ms. Before each invocation ({@code Level.Invocation}, outside the measured time) those
 *       keys are invalidated: a window of {@value #MIXED_MISSES} that moves on by as many keys
 *       each invocation, so every invocation has fresh misses and every key takes its turn. The
 *       quota is generous (it never binds here).
 *   <li>{@code cold*} (single shot, seconds): {@value #COLD_ITEMS} keys, none cached, from a fresh
 *       exchange, cache and limiter per iteration, at a quota of ten calls' weight per 1-second
 *       window, so the batch needs ten windows. Auxiliary counters: {@code exchange429} and {@code
 *       exchange418} (the exchange's refusals and bans), {@code failedItems} (keys without a value
 *       at the end), {@code quotaBoundSeconds} (the least time the quota allows: from the start to
 *       the beginning of the tenth window, plus one call's latency) and {@code overBound} (the
 *       elapsed time measured in the method over that bound), {@code windowsSpanned} (windows from
 *       the first to the last that carried weight; the weight needs ten). The weight per window is
 *       printed. The baseline's Bucket4j bucket is a
 *       {@code @Param}: {@code INTERVALLY} (refills every second from its creation, not aligned with
 *       the exchange's clock windows) and {@code GREEDY}. Neither the baseline's pool nor its retry
 *       reads {@code Retry-After}, as users' code usually does not.
 * </ul>
 *
 * <p>{@link SimulatedExchange} turns on {@code sun.net.httpserver.nodelay} (unless the command line
 * set it) before the fork's first {@code HttpServer} is created, and no other code here creates
 * one: without it the JDK's server leaves Nagle's algorithm on, and on loopback each call waits for
 * a delayed ACK, about 68 ms instead of the configured 20 ms (measured on the 2-core machine), for
 * both sides.
 * The warm batch builds its {@code BatchRequest} (or passes its list) inside the measured call, as
 * a user would.
 *
 * <p>Each cold iteration builds its own exchange, cache, limiter and engine (or pool, cache and
 * bucket), but the first batch in a fresh JVM also pays class loading, JIT and the first HTTP
 * connections: started late in a window it may not spend that window's weight and then needs an
 * eleventh (seen for the engine: 1.12–1.15 × the bound on a fresh JVM, 1.01 × on the next batch in
 * the same JVM). The cold benchmarks therefore warm up with one iteration by default; {@code -wi 0}
 * measures a fresh JVM's first batch.
 *
 * <p><b>What mixed can show.</b> Its {@value #MIXED_MISSES} misses make 15 calls of {@value
 * #KEYS_PER_CALL} keys. The baseline's pool of 8 makes them in two rounds (8, then 7), the engine in
 * one, so the ratio is (2 rounds of 8 + the baseline's own work) / (1 round of 15 + the engine's own
 * work): 2.0 only if 15 calls at once answered as fast as 8 and the engine's own work (cache
 * lookups, key table, quota, result) cost at most half the baseline's (a Caffeine {@code getAll} and
 * a pool hand-off). On the 2-core machine the exchange answered 8 calls at once in about 26 ms a
 * round and 15 in 27–37 ms (a probe; the server, the client and the caller share two cores), and the
 * engine's own work is a few milliseconds against the baseline's one or two, so the ceiling there is
 * about 1.4–1.9 ({@code exchangeRound} measures a round of each size in the same run, in
 * milliseconds): the goal of 2 × (issue 10) cannot be met by this scenario as specified.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar "EngineBenchmark.(warm|mixed)" -f 1 -wi 2
 * -w 2s -i 3 -r 3s}, then {@code java -jar benchmarks/target/benchmarks.jar "EngineBenchmark.cold"
 * -f 1 -wi 0 -i 1 -bm ss}. Goals: warm under 10 ms per batch and ≥ 0.8 × the baseline; mixed ≥ 2 ×
 * the baseline; cold within 1.05 × {@code quotaBoundSeconds} with no 429.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class EngineBenchmark {
  static final int SYMBOLS = 5_000;
  static final List<String> TIMEFRAMES = List.of("1m", "5m", "15m", "1h", "4h", "1d");
  static final int KEYS_PER_CALL = 20;
  static final int MIXED_BATCH = 2_000;
  static final int MIXED_MISSES = 300;
  static final Duration MIXED_LATENCY = Duration.ofMillis(20);
  static final int COLD_ITEMS = 2_000;
  static final int COLD_CALLS_PER_WINDOW = 10;
  static final Duration COLD_WINDOW = Duration.ofSeconds(1);
  static final Duration COLD_LATENCY = Duration.ofMillis(20);
  /** The quota of warm and mixed: per second, far above what they use. */
  static final long GENEROUS_LIMIT = 10_000_000;
  static final Duration TTL = Duration.ofMinutes(10);
  static final long MAXIMUM_SIZE = 100_000;
  /** The baseline's pool: a common size for an I/O pool; {@code -p baselineThreads=N} to try others. */
  static final String BASELINE_THREADS = "8";

  /** {@code BTC0000:1m} … {@code BTC4999:1d}, symbol-major. */
  static final List<String> KEYS = keys();

  private static List<String> keys() {
    List<String> keys = new ArrayList<>(SYMBOLS * TIMEFRAMES.size());
    for (int s = 0; s < SYMBOLS; s++) {
      for (String timeframe : TIMEFRAMES) {
        keys.add(String.format("BTC%04d:%s", s, timeframe));
      }
    }
    return List.copyOf(keys);
  }

  static SimulatedExchange exchange(long limit, Duration window, Duration latency) {
    return SimulatedExchange.builder().quota(limit, window).weight(1, 1).latency(latency).start();
  }

  static NamespaceSpec<String, String> spec() {
    return NamespaceSpec.builder("candles", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TTL).build())
        .maximumSize(MAXIMUM_SIZE)
        .build();
  }

  /** The Hotpath side: the README's configuration over an in-process-only cache. */
  static final class HotpathSide implements AutoCloseable {
    final SimulatedExchange exchange;
    final TieredCache cache;
    final Namespace<String, String> namespace;
    final BatchEngine<String, String> engine;

    HotpathSide(SimulatedExchange exchange, long limit, Duration window) {
      this.exchange = exchange;
      this.cache = TieredCache.builder().namespace(spec()).build();
      this.namespace = cache.namespace(spec());
      Bandwidth weight = Bandwidth.builder().id("weight").capacity(limit).refillWindow(window).build();
      RateLimiter limiter = LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).build();
      this.engine = BatchEngine.builder(namespace, exchange.source(KEYS_PER_CALL))
          .quota(limiter, "ip-1")
          .usedWeightBandwidth(weight)
          .concurrency(Concurrency.adaptive(2, 64))
          .queue(Priority.NORMAL, 100_000) // a warm batch is 30,000 items; the default queue holds 10,000
          .defaultDeadline(Duration.ofSeconds(120))
          .build();
    }

    BatchResult<String, String> process(List<String> keys) throws InterruptedException {
      return engine.process(BatchRequest.of(keys));
    }

    void putAll(List<String> keys) {
      Map<String, String> entries = new LinkedHashMap<>(); // in key order, as the baseline is filled
      keys.forEach(k -> entries.put(k, SimulatedExchange.valueOf(k)));
      namespace.putAll(entries);
    }

    @Override
    public void close() {
      engine.close();
      cache.close();
      exchange.close();
    }
  }

  static HandWiredBatches baseline(SimulatedExchange exchange, int threads, long limit, Duration window,
      HandWiredBatches.Refill refill) {
    return new HandWiredBatches(exchange.source(KEYS_PER_CALL), threads, limit, window, refill, MAXIMUM_SIZE, TTL);
  }

  static void putAll(HandWiredBatches baseline, List<String> keys) {
    keys.forEach(k -> baseline.cache().put(k, SimulatedExchange.valueOf(k)));
  }

  static void check(String what, int expected, int actual) {
    if (expected != actual) {
      throw new IllegalStateException(what + ": expected " + expected + " values, got " + actual);
    }
  }

  // ---------------------------------------------------------------- warm

  @State(Scope.Benchmark)
  public static class WarmHotpath {
    HotpathSide side;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      side = new HotpathSide(exchange(GENEROUS_LIMIT, Duration.ofSeconds(1), Duration.ZERO), GENEROUS_LIMIT,
          Duration.ofSeconds(1));
      side.putAll(KEYS);
      BatchResult<String, String> result = side.process(KEYS);
      check("warmHotpath", KEYS.size(), result.fromCache());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      side.close();
    }
  }

  @State(Scope.Benchmark)
  public static class WarmBaseline {
    @Param(BASELINE_THREADS)
    int baselineThreads;
    SimulatedExchange exchange;
    HandWiredBatches baseline;

    @Setup(Level.Trial)
    public void setUp() {
      exchange = exchange(GENEROUS_LIMIT, Duration.ofSeconds(1), Duration.ZERO);
      baseline = baseline(exchange, baselineThreads, GENEROUS_LIMIT, Duration.ofSeconds(1),
          HandWiredBatches.Refill.INTERVALLY);
      putAll(baseline, KEYS);
      check("warmBaseline", KEYS.size(), baseline.getAll(KEYS).size());
      check("warmBaseline requests", 0, exchange.requests());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      baseline.close();
      exchange.close();
    }
  }

  @Benchmark
  public BatchResult<String, String> warmHotpath(WarmHotpath state) throws InterruptedException {
    return state.side.process(KEYS);
  }

  @Benchmark
  public Map<String, String> warmBaseline(WarmBaseline state) {
    return state.baseline.getAll(KEYS);
  }

  // ---------------------------------------------------------------- mixed

  static final List<String> MIXED_KEYS = KEYS.subList(0, MIXED_BATCH);

  /** The keys the next invocation misses: a window of MIXED_MISSES that moves on each time. */
  static final class MissWindow {
    private int start;

    List<String> next() {
      List<String> misses = new ArrayList<>(MIXED_MISSES);
      for (int i = 0; i < MIXED_MISSES; i++) {
        misses.add(MIXED_KEYS.get((start + i) % MIXED_BATCH));
      }
      start = (start + MIXED_MISSES) % MIXED_BATCH;
      return misses;
    }
  }

  @State(Scope.Benchmark)
  public static class MixedHotpath {
    HotpathSide side;
    final MissWindow misses = new MissWindow();

    @Setup(Level.Trial)
    public void setUp() {
      side = new HotpathSide(exchange(GENEROUS_LIMIT, Duration.ofSeconds(1), MIXED_LATENCY), GENEROUS_LIMIT,
          Duration.ofSeconds(1));
      side.putAll(MIXED_KEYS);
    }

    @Setup(Level.Invocation)
    public void invalidate() {
      side.namespace.invalidateAll(misses.next());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      side.close();
    }
  }

  @State(Scope.Benchmark)
  public static class MixedBaseline {
    @Param(BASELINE_THREADS)
    int baselineThreads;
    SimulatedExchange exchange;
    HandWiredBatches baseline;
    final MissWindow misses = new MissWindow();

    @Setup(Level.Trial)
    public void setUp() {
      exchange = exchange(GENEROUS_LIMIT, Duration.ofSeconds(1), MIXED_LATENCY);
      baseline = baseline(exchange, baselineThreads, GENEROUS_LIMIT, Duration.ofSeconds(1),
          HandWiredBatches.Refill.INTERVALLY);
      putAll(baseline, MIXED_KEYS);
    }

    @Setup(Level.Invocation)
    public void invalidate() {
      baseline.cache().invalidateAll(misses.next());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      baseline.close();
      exchange.close();
    }
  }

  @Benchmark
  public BatchResult<String, String> mixedHotpath(MixedHotpath state) throws InterruptedException {
    BatchResult<String, String> result = state.side.process(MIXED_KEYS);
    check("mixedHotpath", MIXED_MISSES, result.fromSource());
    return result;
  }

  @Benchmark
  public Map<String, String> mixedBaseline(MixedBaseline state) {
    Map<String, String> values = state.baseline.getAll(MIXED_KEYS);
    check("mixedBaseline", MIXED_BATCH, values.size());
    return values;
  }

  /**
   * One round of {@code parallelCalls} calls of {@value #KEYS_PER_CALL} keys sent at once to the
   * mixed scenario's exchange, and awaited: what one round of the baseline's pool (8) and the
   * engine's single round for a mixed batch's misses (15) cost by themselves (see the class
   * comment on what mixed can show).
   */
  @State(Scope.Benchmark)
  public static class ExchangeRound {
    /** The baseline pool's round, and the calls of a mixed batch's misses (15). */
    @Param({BASELINE_THREADS, "" + MIXED_MISSES / KEYS_PER_CALL})
    int parallelCalls;
    SimulatedExchange exchange;
    HttpExchangeSource source;
    List<List<String>> calls;

    @Setup(Level.Trial)
    public void setUp() {
      exchange = exchange(GENEROUS_LIMIT, Duration.ofSeconds(1), MIXED_LATENCY);
      source = exchange.source(KEYS_PER_CALL);
      if (parallelCalls * KEYS_PER_CALL > MIXED_KEYS.size()) {
        throw new IllegalArgumentException("parallelCalls: at most " + MIXED_KEYS.size() / KEYS_PER_CALL + ", was "
            + parallelCalls);
      }
      calls = new ArrayList<>();
      for (int i = 0; i < parallelCalls; i++) {
        calls.add(MIXED_KEYS.subList(i * KEYS_PER_CALL, (i + 1) * KEYS_PER_CALL));
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      exchange.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int exchangeRound(ExchangeRound state) {
    List<CompletableFuture<SourceReply<String, String>>> sent = new ArrayList<>(state.parallelCalls);
    for (List<String> keys : state.calls) {
      sent.add(state.source.fetch(keys));
    }
    int values = 0;
    for (CompletableFuture<SourceReply<String, String>> reply : sent) {
      values += reply.join().values().size();
    }
    check("exchangeRound", state.parallelCalls * KEYS_PER_CALL, values);
    return values;
  }

  // ---------------------------------------------------------------- cold

  static final List<String> COLD_KEYS = KEYS.subList(0, COLD_ITEMS);

  /** What a cold batch cost the exchange, and the least time its quota allowed. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class ColdCounters {
    public long exchange429;
    public long exchange418;
    public long failedItems;
    public double quotaBoundSeconds;
    public double overBound;
    public long windowsSpanned;

    @Setup(Level.Iteration)
    public void reset() {
      exchange429 = 0;
      exchange418 = 0;
      failedItems = 0;
      quotaBoundSeconds = 0;
      overBound = 0;
      windowsSpanned = 0;
    }

    void record(SimulatedExchange exchange, int values, long startNanos, long endNanos) {
      exchange429 += exchange.refusals();
      exchange418 += exchange.bans();
      failedItems += COLD_ITEMS - values;
      double bound = quotaBoundNanos(exchange, startNanos) / 1e9;
      quotaBoundSeconds += bound;
      overBound += (endNanos - startNanos) / 1e9 / bound;
      Map<Long, Long> byWindow = exchange.weightByWindow();
      if (!byWindow.isEmpty()) {
        long first = byWindow.keySet().iterator().next();
        long last = first;
        for (long window : byWindow.keySet()) {
          last = window;
        }
        windowsSpanned += last - first + 1;
        List<Long> weights = new ArrayList<>();
        for (long w = first; w <= last; w++) {
          weights.add(byWindow.getOrDefault(w, 0L));
        }
        System.out.printf("%n[cold] started %.3f s into its window; weight per window %s (limit %d)%n",
            Math.floorMod(startNanos, COLD_WINDOW.toNanos()) / 1e9, weights, coldLimit());
      }
    }
  }

  static long coldCallWeight() {
    return 1 + KEYS_PER_CALL;
  }

  static long coldLimit() {
    return COLD_CALLS_PER_WINDOW * coldCallWeight();
  }

  /**
   * From {@code startNanos} (epoch nanos) to the start of the last window the batch's weight needs,
   * plus one call's latency: no client can finish sooner.
   */
  static long quotaBoundNanos(SimulatedExchange exchange, long startNanos) {
    int calls = (COLD_ITEMS + KEYS_PER_CALL - 1) / KEYS_PER_CALL;
    long weight = calls * exchange.weight(KEYS_PER_CALL);
    long windows = (weight + coldLimit() - 1) / coldLimit();
    long windowNanos = COLD_WINDOW.toNanos();
    long firstWindowStart = Math.floorDiv(startNanos, windowNanos) * windowNanos;
    return firstWindowStart + (windows - 1) * windowNanos + COLD_LATENCY.toNanos() - startNanos;
  }

  @State(Scope.Benchmark)
  public static class ColdHotpath {
    HotpathSide side;

    @Setup(Level.Iteration)
    public void setUp() {
      side = new HotpathSide(exchange(coldLimit(), COLD_WINDOW, COLD_LATENCY), coldLimit(), COLD_WINDOW);
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
      side.close();
    }
  }

  @State(Scope.Benchmark)
  public static class ColdBaseline {
    @Param(BASELINE_THREADS)
    int baselineThreads;
    /** A {@link HandWiredBatches.Refill} (a String: the generated code cannot see the package-private enum). */
    @Param({"INTERVALLY", "GREEDY"})
    String bucket4jRefill;
    SimulatedExchange exchange;
    HandWiredBatches baseline;

    @Setup(Level.Iteration)
    public void setUp() {
      exchange = exchange(coldLimit(), COLD_WINDOW, COLD_LATENCY);
      baseline = baseline(exchange, baselineThreads, coldLimit(), COLD_WINDOW,
          HandWiredBatches.Refill.valueOf(bucket4jRefill));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
      baseline.close();
      exchange.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Warmup(iterations = 1)
  @Measurement(iterations = 1)
  public BatchResult<String, String> coldHotpath(ColdHotpath state, ColdCounters counters) throws InterruptedException {
    long start = NanoClock.system().nanos();
    BatchResult<String, String> result = state.side.process(COLD_KEYS);
    counters.record(state.side.exchange, result.values().size(), start, NanoClock.system().nanos());
    return result;
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Warmup(iterations = 1)
  @Measurement(iterations = 1)
  public Map<String, String> coldBaseline(ColdBaseline state, ColdCounters counters) {
    long start = NanoClock.system().nanos();
    Map<String, String> values = state.baseline.getAll(COLD_KEYS);
    counters.record(state.exchange, values.size(), start, NanoClock.system().nanos());
    return values;
  }
}
