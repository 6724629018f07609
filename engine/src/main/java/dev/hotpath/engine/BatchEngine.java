package dev.hotpath.engine;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.internal.BoundRegistries;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets batches of keys cache-first, fetching only what no cache tier holds from a {@link Source},
 * within a rate limit, by priority, with deadlines, retries, a circuit breaker and an adaptive
 * concurrency limit; every key ends with a value or a typed failure.
 *
 * <pre>{@code
 * BatchEngine<String, String> engine = BatchEngine.builder(namespace, source)
 *     .quota(exchangeLimiter, "ip-1")               // every source call pays its weight here
 *     .usedWeightBandwidth(weightPerMinute)          // the reply's used weight -> limiter.syncUsage
 *     .concurrency(Concurrency.adaptive(2, 64))
 *     .retry(Retry.exponential(3, Duration.ofMillis(50)))
 *     .circuitBreaker(CircuitBreaker.of(5, Duration.ofSeconds(10)))
 *     .queue(Priority.HIGH, 100).queue(Priority.NORMAL, 1_000).queue(Priority.LOW, 10_000)
 *     .build();
 * CompletableFuture<BatchResult<String, String>> result =
 *     engine.submit(BatchRequest.of(keys).priority(Priority.HIGH).deadline(Duration.ofSeconds(2)));
 * }</pre>
 *
 * <ul>
 *   <li><b>Cache first.</b> A batch reads all its keys from the namespace in one bulk read per
 *       tier; only keys no tier holds go to the source, and what the source returns is cached in
 *       every tier. Absences are not cached.
 *   <li><b>One call per missing key.</b> However many batches ask for a key at once, one source
 *       call fetches it and every batch gets its outcome.
 *   <li><b>Quota.</b> Each call takes {@link Source#weight} permits from the rate limiter (local
 *       or Redis) before it is made, waiting no longer than its batches' deadline; a call the
 *       limiter refuses or fails to answer (even by throwing, as a limiter closed before the
 *       engine does) fails its keys as {@link FailureKind#REJECTED}. A limiter that cannot decide
 *       until a given time ({@link dev.hotpath.ratelimit.RateLimiterUnavailableException} with a
 *       retry time: Redis away, failing closed) stops calls from starting until then instead (at
 *       least 100 ms, doubling per outage of the call), and the call asks again; it is rejected only
 *       when that time is past its deadline (calls still queued then time out). A reply's used
 *       weight is fed to {@link RateLimiter#syncUsage}. A 429 or 418 pauses every call to the
 *       source until its {@code Retry-After}.
 *   <li><b>Priorities.</b> HIGH, NORMAL and LOW queues, each bounded in items; a batch that does
 *       not fit is refused at once ({@link BatchRejectedException}); LOW is never starved (see
 *       {@link Priority}).
 *   <li><b>Deadlines and cancellation.</b> A batch's future completes by its deadline at the
 *       latest, with the items not done as {@link FailureKind#TIMED_OUT}. Cancelling the future
 *       drops the queued calls no other batch waits for; calls in flight are not waited for, and
 *       their late replies still fill the cache, except keys changed since the call went out.
 *   <li><b>Resilience.</b> {@link Retry}, {@link CircuitBreaker}, {@link Concurrency}.
 * </ul>
 *
 * <p>The future never completes exceptionally (failures are per item). A batch whose every key is
 * in process is answered in the thread that submits it: its future is complete when {@code submit}
 * returns, and its listener was called in that thread. Any other batch's future completes on an
 * engine thread, except that one whose missing keys other batches' calls delivered while it was
 * being submitted may complete in the submitting thread (over a namespace without shared tiers,
 * whose loader runs in that thread); use the {@code *Async} stages for work that should run
 * elsewhere. Thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class BatchEngine<K, V> implements MeterBinder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);

  private final EngineCore<K, V> core;
  private final String description;
  private final long drainTimeoutNanos;
  private final ExecutorService ownedExecutor;
  private final ScheduledExecutorService ownedScheduler;
  private final BoundRegistries boundTo = new BoundRegistries();

  private BatchEngine(EngineConfig<K, V> config, ExecutorService ownedExecutor, ScheduledExecutorService ownedScheduler,
      String description) {
    this.core = new EngineCore<>(config);
    this.drainTimeoutNanos = config.drainTimeoutNanos;
    this.ownedExecutor = ownedExecutor;
    this.ownedScheduler = ownedScheduler;
    this.description = description;
  }

  /**
   * A builder for an engine over {@code namespace} (the cache, with its tiers) and {@code source}.
   *
   * @throws NullPointerException if namespace or source is null
   */
  public static <K, V> Builder<K, V> builder(Namespace<K, V> namespace, Source<K, V> source) {
    return new Builder<>(requireNonNull(namespace, "namespace"), requireNonNull(source, "source"));
  }

  /**
   * Starts a batch. Returns at once; the future completes when every item has a value or a
   * failure, by the batch's deadline at the latest, and never exceptionally. Cancelling it cancels
   * the batch (see the class comment).
   *
   * @throws NullPointerException if request is null
   * @throws BatchRejectedException if the request's priority queue has no room for its items
   * @throws IllegalStateException if the engine is closed
   */
  public CompletableFuture<BatchResult<K, V>> submit(BatchRequest<K> request) {
    return core.submit(requireNonNull(request, "request"));
  }

  /**
   * {@link #submit} and wait for the result, which comes by the batch's deadline at the latest.
   *
   * @throws NullPointerException if request is null
   * @throws BatchRejectedException if the request's priority queue has no room for its items
   * @throws IllegalStateException if the engine is closed
   * @throws InterruptedException if the thread is interrupted while waiting; the batch is cancelled
   */
  public BatchResult<K, V> process(BatchRequest<K> request) throws InterruptedException {
    CompletableFuture<BatchResult<K, V>> future = submit(request);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(false);
      throw e;
    } catch (ExecutionException | CancellationException e) {
      throw new IllegalStateException("BatchEngine '" + core.name + "': the batch's future did not complete normally", e);
    }
  }

  /** The engine at this moment: rates, quota, workers, queues, circuit. Thread-safe. */
  public EngineSnapshot snapshot() {
    return core.snapshot();
  }

  /**
   * Registers the engine's meters in {@code registry}, tagged {@code source=<source name>}:
   *
   * <ul>
   *   <li>{@code hotpath.engine.items{result=cache|source|source_error|not_found|timed_out|
   *       rejected|circuit_open|cancelled}} (function counters)
   *   <li>{@code hotpath.engine.batch.duration} (function timer), {@code
   *       hotpath.engine.batches.rejected} (function counter)
   *   <li>{@code hotpath.engine.queue.length{priority=high|normal|low}} (gauges, items)
   *   <li>{@code hotpath.engine.workers.active}, {@code hotpath.engine.concurrency.limit} (gauges)
   *   <li>{@code hotpath.engine.source.calls{result=success|error|timeout|refused}}, {@code
   *       hotpath.engine.weight.used} (function counters)
   * </ul>
   *
   * The meters read the engine's counters when scraped and hold the engine weakly. Once per
   * registry: binding to a registry this engine is bound to already registers nothing; binding to
   * another registry registers there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, r -> EngineMeters.bind(core, r));
  }

  /**
   * Stops intake, waits up to the builder's {@linkplain Builder#drainTimeout drain timeout} for the
   * open batches, then abandons what is left (see {@link #close(Duration)}) and logs it. Idempotent.
   */
  @Override
  public void close() {
    CloseReport report = close(Duration.ofNanos(drainTimeoutNanos));
    if (report != null && !report.drained()) {
      LOG.warn("BatchEngine '{}' closed: {}", core.name, report);
    }
  }

  /**
   * Stops intake ({@link #submit} then throws {@link IllegalStateException}), waits up to {@code
   * drainTimeout} for the open batches to finish, then completes the rest with their open items
   * {@link FailureKind#CANCELLED}, drops the queued calls, and stops the threads the engine
   * created (never the host's executor or scheduler). Calls in flight are not waited for.
   *
   * @return what was abandoned; null when the engine was already closed
   * @throws NullPointerException if drainTimeout is null
   * @throws IllegalArgumentException if drainTimeout is negative
   */
  public CloseReport close(Duration drainTimeout) {
    long drainNanos = Checks.nonNegativeNanos("drainTimeout", drainTimeout);
    CloseReport report = core.close(drainNanos);
    if (report != null) {
      if (ownedScheduler != null) {
        ownedScheduler.shutdownNow();
      }
      if (ownedExecutor != null) {
        ownedExecutor.shutdown();
      }
    }
    return report;
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return core.isClosed();
  }

  EngineCore<K, V> core() {
    return core;
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Builds a {@link BatchEngine}. Each value may be set once: a second call of a setter throws
   * {@link IllegalStateException} ("{@code <field> was already set}"). Values are checked when set
   * ({@link IllegalArgumentException} with the value, {@link NullPointerException} naming the
   * argument) and combinations at {@link #build()}. Not thread-safe; reusable after {@code build()}.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private static final int DEFAULT_QUEUE_CAPACITY = 10_000;

    private final Namespace<K, V> namespace;
    private final Source<K, V> source;
    private RateLimiter limiter;
    private String limiterKey;
    private Bandwidth usedWeightBandwidth;
    private Concurrency concurrency;
    private Retry retry;
    private CircuitBreaker circuitBreaker;
    private final int[] queueCapacity = new int[3];
    private Duration defaultDeadline;
    private Duration callTimeout;
    private Duration drainTimeout;
    private Executor executor;
    private ScheduledExecutorService scheduler;
    private NanoClock clock;

    private Builder(Namespace<K, V> namespace, Source<K, V> source) {
      this.namespace = namespace;
      this.source = source;
    }

    /**
     * Every source call takes its {@linkplain Source#weight weight} from {@code limiter}'s bucket
     * of {@code key} (such as {@code "ip-1"}: one bucket per IP the exchange counts) before it is
     * made. Without a quota, calls are limited only by the concurrency limit.
     *
     * @throws NullPointerException if limiter or key is null
     * @throws IllegalArgumentException if key is blank
     */
    public Builder<K, V> quota(RateLimiter limiter, String key) {
      requireNonNull(limiter, "limiter");
      requireNonNull(key, "key");
      Checks.requireUnset("quota", this.limiter != null);
      if (key.isBlank()) {
        throw new IllegalArgumentException("key must not be blank: '" + key + "'");
      }
      this.limiter = limiter;
      this.limiterKey = key;
      return this;
    }

    /**
     * The bandwidth of the quota's limit that the source's used-weight figures describe (the one
     * behind Binance's {@code X-MBX-USED-WEIGHT-1M}): each {@link SourceReply#usedWeight()} is fed
     * to {@code limiter.syncUsage(key, bandwidth.id(), used)}, so weight used by other programs on
     * the same IP counts too. For a clock-aligned bandwidth a figure is used only when the call was
     * sent and answered within one window (by the engine's clock, which should be the limiter's),
     * since a reply that crosses a boundary reports the old window. Needs {@link #quota}.
     *
     * <p>Its id must name a bandwidth of the limiter's limit for the quota's key. That is not
     * checked here ({@link RateLimiter} does not show a key's limit, and it may be replaced later):
     * if the limiter refuses the figures, the engine logs a warning once, at the first refused
     * sync, and goes on without syncing.
     *
     * @throws NullPointerException if bandwidth is null
     * @throws IllegalArgumentException if bandwidth has no id
     */
    public Builder<K, V> usedWeightBandwidth(Bandwidth bandwidth) {
      requireNonNull(bandwidth, "bandwidth");
      Checks.requireUnset("usedWeightBandwidth", usedWeightBandwidth != null);
      if (bandwidth.id() == null) {
        throw new IllegalArgumentException("usedWeightBandwidth needs a bandwidth with an id (syncUsage names it): "
            + bandwidth);
      }
      this.usedWeightBandwidth = bandwidth;
      return this;
    }

    /** The bulkhead: how many source calls at once. Default {@code Concurrency.adaptive(2, 32)}. */
    public Builder<K, V> concurrency(Concurrency concurrency) {
      requireNonNull(concurrency, "concurrency");
      Checks.requireUnset("concurrency", this.concurrency != null);
      this.concurrency = concurrency;
      return this;
    }

    /** How failed calls are retried. Default {@code Retry.exponential(3, 100 ms)}. */
    public Builder<K, V> retry(Retry retry) {
      requireNonNull(retry, "retry");
      Checks.requireUnset("retry", this.retry != null);
      this.retry = retry;
      return this;
    }

    /** When calls stop for a failing source. Default {@code CircuitBreaker.of(5, 10 s)}. */
    public Builder<K, V> circuitBreaker(CircuitBreaker circuitBreaker) {
      requireNonNull(circuitBreaker, "circuitBreaker");
      Checks.requireUnset("circuitBreaker", this.circuitBreaker != null);
      this.circuitBreaker = circuitBreaker;
      return this;
    }

    /**
     * The capacity of {@code priority}'s queue, in items: keys of open batches of that priority.
     * Default 10,000 for each priority.
     *
     * @throws NullPointerException if priority is null
     * @throws IllegalArgumentException if capacity is not positive
     * @throws IllegalStateException "queue(&lt;priority&gt;) was already set"
     */
    public Builder<K, V> queue(Priority priority, int capacity) {
      requireNonNull(priority, "priority");
      Checks.requireUnset("queue(" + priority + ")", queueCapacity[priority.ordinal()] != 0);
      queueCapacity[priority.ordinal()] = Checks.positive("queue(" + priority + ") capacity", capacity);
      return this;
    }

    /** The deadline of requests that set none. Default 30 seconds. */
    public Builder<K, V> defaultDeadline(Duration deadline) {
      Checks.positiveNanos("defaultDeadline", deadline);
      Checks.requireUnset("defaultDeadline", defaultDeadline != null);
      this.defaultDeadline = deadline;
      return this;
    }

    /**
     * How long the engine waits for one source call before it counts it as failed (retryable, a
     * congestion sign) and frees its slot; a late reply still fills the cache (keys changed since
     * the call went out excepted). Default 10 seconds.
     */
    public Builder<K, V> callTimeout(Duration timeout) {
      Checks.positiveNanos("callTimeout", timeout);
      Checks.requireUnset("callTimeout", callTimeout != null);
      this.callTimeout = timeout;
      return this;
    }

    /** How long {@link BatchEngine#close()} waits for open batches. Default 5 seconds; zero is allowed. */
    public Builder<K, V> drainTimeout(Duration timeout) {
      Checks.nonNegativeNanos("drainTimeout", timeout);
      Checks.requireUnset("drainTimeout", drainTimeout != null);
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Where the engine calls {@link Source#fetch} and handles replies. Default: a pool the engine
     * owns, of at most {@code concurrency.max() + 1} daemon threads, shut down by close. A host on
     * Java 21+ with a blocking source can pass {@code Executors.newVirtualThreadPerTaskExecutor()}.
     * The engine never shuts down an executor it was given.
     */
    public Builder<K, V> executor(Executor executor) {
      requireNonNull(executor, "executor");
      Checks.requireUnset("executor", this.executor != null);
      this.executor = executor;
      return this;
    }

    /**
     * Runs deadlines, backoffs, call timeouts and the end of pauses. Default: one daemon thread the
     * engine owns. The engine never shuts down a scheduler it was given.
     */
    public Builder<K, V> scheduler(ScheduledExecutorService scheduler) {
      requireNonNull(scheduler, "scheduler");
      Checks.requireUnset("scheduler", this.scheduler != null);
      this.scheduler = scheduler;
      return this;
    }

    /**
     * The engine's time: deadlines, the circuit breaker, latencies, rates, and the windows of the
     * used-weight bandwidth. Default {@link NanoClock#system()}, the rate limiters' default too.
     */
    public Builder<K, V> clock(NanoClock clock) {
      requireNonNull(clock, "clock");
      Checks.requireUnset("clock", this.clock != null);
      this.clock = clock;
      return this;
    }

    /**
     * The engine.
     *
     * @throws IllegalArgumentException if the source's maxKeysPerCall is less than 1
     * @throws IllegalStateException if usedWeightBandwidth is set without quota
     */
    public BatchEngine<K, V> build() {
      int maxKeysPerCall = source.maxKeysPerCall();
      if (maxKeysPerCall < 1) {
        throw new IllegalArgumentException("source '" + source.name() + "': maxKeysPerCall must be at least 1: "
            + maxKeysPerCall);
      }
      if (usedWeightBandwidth != null && limiter == null) {
        throw new IllegalStateException("usedWeightBandwidth needs quota(limiter, key): the figures are synced there");
      }
      EngineConfig<K, V> config = new EngineConfig<>();
      config.namespace = namespace;
      config.source = source;
      config.clock = clock != null ? clock : NanoClock.system();
      config.limiter = limiter;
      config.limiterKey = limiterKey;
      config.usedWeightBandwidth = usedWeightBandwidth;
      config.concurrency = concurrency != null ? concurrency : Concurrency.adaptive(2, 32);
      config.retry = retry != null ? retry : Retry.exponential(3, Duration.ofMillis(100));
      config.circuitBreaker = circuitBreaker != null ? circuitBreaker : CircuitBreaker.of(5, Duration.ofSeconds(10));
      config.queueCapacity = new int[3];
      for (int i = 0; i < 3; i++) {
        config.queueCapacity[i] = queueCapacity[i] != 0 ? queueCapacity[i] : DEFAULT_QUEUE_CAPACITY;
      }
      config.defaultDeadlineNanos = Checks.positiveNanos("defaultDeadline",
          defaultDeadline != null ? defaultDeadline : Duration.ofSeconds(30));
      config.callTimeoutNanos = Checks.positiveNanos("callTimeout", callTimeout != null ? callTimeout : Duration.ofSeconds(10));
      config.drainTimeoutNanos = Checks.nonNegativeNanos("drainTimeout",
          drainTimeout != null ? drainTimeout : Duration.ofSeconds(5));
      ThreadPoolExecutor ownedExecutor = null;
      if (executor == null) {
        int threads = Math.min(256, config.concurrency.max() + 1);
        ownedExecutor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            daemon("hotpath-engine-" + source.name()));
        ownedExecutor.allowCoreThreadTimeOut(true);
      }
      config.executor = executor != null ? executor : ownedExecutor;
      ScheduledThreadPoolExecutor ownedScheduler = null;
      if (scheduler == null) {
        ownedScheduler = new ScheduledThreadPoolExecutor(1, daemon("hotpath-engine-timer-" + source.name()));
        ownedScheduler.setRemoveOnCancelPolicy(true);
      }
      config.scheduler = scheduler != null ? scheduler : ownedScheduler;
      String description = "BatchEngine[source=" + source.name() + ", namespace=" + namespace.name() + ", "
          + config.concurrency + ", " + config.retry + ", " + config.circuitBreaker
          + (limiter == null ? ", no quota" : ", quota " + limiter.name() + "/" + limiterKey)
          + ", queues " + config.queueCapacity[0] + "/" + config.queueCapacity[1] + "/" + config.queueCapacity[2] + "]";
      return new BatchEngine<>(config, ownedExecutor, ownedScheduler, description);
    }

    private static ThreadFactory daemon(String prefix) {
      AtomicInteger count = new AtomicInteger();
      return runnable -> {
        Thread t = new Thread(runnable, prefix + "-" + count.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
  }
}
