package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose buckets live in Redis, shared by every process using the same Redis,
 * key prefix and limit.
 *
 * <ul>
 *   <li>Every call is one round trip: EVALSHA of a Lua script that reads Redis {@code TIME} (client
 *       clocks do not matter) and checks and updates all bandwidths of the key atomically. After a
 *       {@code SCRIPT FLUSH} or failover (NOSCRIPT) the call is sent once more as EVAL, which also
 *       caches the script: the first attempt did not run, so this is not a replay.
 *   <li>A call that times out is never retried: it may have run. It is answered by the
 *       {@link RedisDownPolicy}, as are errors and a lost connection; for the following
 *       {@code retryInterval} the policy answers without asking Redis, so nothing waits on a dead
 *       server.
 *   <li>Keys are {@code {prefix + key}}: the braces are a hash tag, so Redis Cluster routes each
 *       key's state to one slot. State keys expire when the bucket would be full again.
 * </ul>
 *
 * <p>Redis is reached through the host's Lettuce client ({@link Builder#client(RedisClient)} or
 * {@link Builder#client(RedisClusterClient)}), from which the limiter opens a connection of its
 * own with the String codec, so a host whose other connections use another codec (a byte-array
 * cache) still shares one client, with its threads and resources. {@link #close()} closes that
 * connection and never the client. A host may instead hand over a connection it already has
 * ({@link Builder#connection(StatefulRedisConnection)}); the host owns it and the limiter never
 * closes it.
 *
 * <p>Thread-safe. Limits are computed in microseconds (Redis TIME's resolution), so periods and
 * offsets must be whole microseconds and rates at most one permit per microsecond.
 */
public final class RedisRateLimiter extends BaseRateLimiter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
  private static final String ACQUIRE = "a";
  private static final String SYNC = "s";
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);
  private static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);

  private final RedisScriptingAsyncCommands<String, String> commands;
  /** The connection this limiter opened from the host's client; null on a host's connection. */
  final StatefulConnection<String, String> owned;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String keyPrefix;
  private final long timeoutNanos;
  private final long retryIntervalNanos;
  private final RedisDownPolicy downPolicy;
  private final LocalRateLimiter fallback;
  private final ConcurrentHashMap<RateLimit, String[]> specs = new ConcurrentHashMap<>();
  /** Until when the down policy answers alone; far in the past until the first failure. */
  private volatile long retryAt = Long.MIN_VALUE;
  private volatile Throwable lastFailure;

  private RedisRateLimiter(Builder b, RedisScriptingAsyncCommands<String, String> commands,
      StatefulConnection<String, String> owned) {
    super(b);
    this.commands = commands;
    this.owned = owned;
    this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "hotpath:ratelimit:" + b.name + ":";
    this.timeoutNanos = Checks.nanos("timeout", b.timeout != null ? b.timeout : DEFAULT_TIMEOUT);
    this.retryIntervalNanos = Checks.nanos("retryInterval", b.retryInterval != null ? b.retryInterval : DEFAULT_RETRY_INTERVAL);
    this.downPolicy = b.downPolicy;
    this.fallback = downPolicy.failsOpen()
        ? fallback(b, limits.scaled(downPolicy.localShare()))
        : null;
  }

  private static LocalRateLimiter fallback(Builder b, Limits scaled) {
    LocalRateLimiter.Builder local = LocalRateLimiter.builder().name(b.name).clock(b.clockOrDefault())
        .scheduler(b.schedulerOrDefault());
    local.limits = scaled;
    return local.build();
  }

  /** A new builder; name, limit or plans, a client (or connection) and downPolicy are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  void check(Limits candidate) {
    // Runs from the superclass constructor too, before this class's fields exist: validate only.
    for (RateLimit limit : candidate.all()) {
      RedisScript.spec(limit);
    }
  }

  @Override
  void replace(Limits replacement) {
    super.replace(replacement);
    if (fallback != null) {
      fallback.replace(replacement.scaled(downPolicy.localShare()));
    }
  }

  /** The Redis key holding {@code key}'s state. */
  String redisKey(String key) {
    return "{" + keyPrefix + key + "}";
  }

  /** The script arguments for {@code limit} with the first five (per call) left empty. */
  private String[] arguments(RateLimit limit) {
    String[] template = specs.get(limit);
    return template != null ? template : specs.computeIfAbsent(limit, l -> {
      String spec = RedisScript.spec(l);
      String[] numbers = RedisScript.numbers(spec);
      String[] args = new String[5 + numbers.length];
      args[4] = spec;
      System.arraycopy(numbers, 0, args, 5, numbers.length);
      return args;
    });
  }

  private CompletableFuture<List<Object>> call(String key, RateLimit limit, String mode, long amount, long maxWaitNanos,
      int index) {
    String[] keys = {redisKey(key)};
    String[] args = arguments(limit).clone();
    args[0] = mode;
    args[1] = Long.toString(amount);
    args[2] = Long.toString(maxWaitNanos / 1_000);
    args[3] = Integer.toString(index + 1);
    CompletableFuture<List<Object>> first = commands.<List<Object>>evalsha(RedisScript.SHA1, ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture();
    CompletableFuture<List<Object>> result = first.exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
        ? commands.<List<Object>>eval(RedisScript.SOURCE, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
        : CompletableFuture.failedFuture(e));
    // A call given up on (timeout) is cancelled in Lettuce too, so a command queued while
    // disconnected is not sent later, when nobody waits for its answer.
    result.whenComplete((r, e) -> {
      if (e != null && !first.isDone()) {
        first.cancel(false);
      }
    });
    return result;
  }

  /**
   * Closes the connection the limiter opened from the host's client, if it did (never the client,
   * never a connection the host handed over). Afterwards every call throws
   * {@link IllegalStateException}; calls still waiting for Redis are answered by the down policy.
   * Idempotent and thread-safe.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && owned != null) {
      owned.close();
    }
  }

  /**
   * Whether Redis is down for this limiter now: for {@code retryInterval} after a call to Redis
   * failed or timed out (the down policy answers calls without asking Redis), and while the
   * connection the limiter opened from the host's client is not connected (Lettuce's own state,
   * read without I/O: an outage shows without a call, and lasts until Lettuce reconnected), so
   * also once closed. On a connection the host handed over, only the former. For health checks.
   * Thread-safe.
   */
  public boolean isRedisDown() {
    return clock.nanos() < retryAt || (owned != null && !owned.isOpen());
  }

  /** One volatile read before each call to Redis. */
  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("RateLimiter '" + name + "' is closed");
    }
  }

  private boolean down() {
    requireOpen();
    return clock.nanos() < retryAt;
  }

  /**
   * Nanoseconds until Redis is asked again; 0 if it would be now. Compared before subtracting:
   * before any failure {@code retryAt - now} wraps around to centuries.
   */
  private long nanosToRetry() {
    long at = retryAt;
    long now = clock.nanos();
    return now < at ? at - now : 0;
  }

  /** Waits for a call within the timeout; a timed-out call is cancelled, never sent again. */
  private List<Object> await(CompletableFuture<List<Object>> call) throws Exception {
    try {
      return call.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(false);
      throw e;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * Records a failed call to Redis and answers by the down policy.
   *
   * @param request true for a request for permits (counted as a call), false for a sync
   */
  private <T> T failed(Throwable cause, Supplier<T> openAnswer, boolean request) {
    cause = unwrap(cause);
    long now = clock.nanos();
    if (now >= retryAt) {
      LOG.warn("RateLimiter '{}': Redis failed ({}); {} for {}", name, cause.toString(), downPolicy,
          Duration.ofNanos(retryIntervalNanos));
    }
    lastFailure = cause;
    retryAt = now + retryIntervalNanos;
    recorder.backendFailure();
    return policy(openAnswer, cause, request);
  }

  /**
   * The down policy's answer: the fallback's when failing open, else
   * {@link RateLimiterUnavailableException} (counted as an unavailable call for a request).
   */
  private <T> T policy(Supplier<T> openAnswer, Throwable cause, boolean request) {
    if (fallback != null) {
      return openAnswer.get();
    }
    if (request) {
      recorder.unavailable();
    }
    throw new RateLimiterUnavailableException(name, nanosToRetry(), cause != null ? cause : lastFailure);
  }

  /** Adds {@code hotpath.ratelimiter.backend.failures{name}}. */
  @Override
  void bindMore(MeterRegistry registry, Tags tags, Recorder.Counting counting) {
    counter(registry, "hotpath.ratelimiter.backend.failures", tags, counting.backendFailures,
        "Redis calls that failed or timed out, answered by the down policy");
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static long encode(List<Object> result) {
    long wait = ((Long) result.get(1)) * 1_000;
    return ((Long) result.get(0)) == 1 ? wait : -Math.max(1, wait);
  }

  private long fallbackReserve(String key, long permits, long maxWaitNanos, NanoClock clock) {
    RateLimit local = fallback.limits.limitFor(key);
    if (permits > local.capacity()) {
      return -Math.max(1, nanosToRetry()); // more than the local share can ever hold
    }
    return fallback.reserve(key, local, permits, maxWaitNanos, clock);
  }

  @Override
  long reserve(String key, RateLimit limit, long permits, long maxWaitNanos, NanoClock clock) {
    Supplier<Long> open = () -> fallbackReserve(key, permits, maxWaitNanos, clock);
    if (down()) {
      return policy(open, null, true);
    }
    try {
      long result = encode(await(call(key, limit, ACQUIRE, permits, maxWaitNanos, 0)));
      if (result > 0) {
        // Redis counts the wait from its TIME when the script ran: after the request left, before
        // this reply arrived, on a clock ours need not agree with. A reading taken before sending
        // would let the caller go before its slot by the request's latency (queueing in Redis
        // included); only a reading taken now is known not to precede that instant. So a waiter
        // may be late by the reply's latency, never early.
        clock.nanos();
      }
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return policy(open, e, true);
    } catch (Exception e) {
      return failed(e, open, true);
    }
  }

  @Override
  CompletableFuture<Long> reserveAsync(String key, RateLimit limit, long permits, long maxWaitNanos) {
    Supplier<Long> open = () -> fallbackReserve(key, permits, maxWaitNanos, clock);
    if (down()) {
      return CompletableFuture.supplyAsync(() -> policy(open, null, true), Runnable::run);
    }
    CompletableFuture<List<Object>> call = call(key, limit, ACQUIRE, permits, maxWaitNanos, 0);
    return call.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).handle((result, error) -> {
      if (error == null) {
        return encode(result);
      }
      call.cancel(false);
      return failed(error, open, true);
    });
  }

  @Override
  RateLimitDecision decide(String key, RateLimit limit, long permits) {
    Supplier<RateLimitDecision> open = () -> {
      RateLimit local = fallback.limits.limitFor(key);
      return permits > local.capacity()
          ? new RateLimitDecision(false, 0, Math.max(1, nanosToRetry()), local.capacity(), 0)
          : fallback.decide(key, local, permits);
    };
    if (down()) {
      return policy(open, null, true);
    }
    try {
      List<Object> r = await(call(key, limit, ACQUIRE, permits, 0, 0));
      return new RateLimitDecision((Long) r.get(0) == 1, (Long) r.get(2), (Long) r.get(1) * 1_000,
          (Long) r.get(3), (Long) r.get(4) * 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return policy(open, e, true);
    } catch (Exception e) {
      return failed(e, open, true);
    }
  }

  @Override
  void sync(String key, RateLimit limit, int index, long used) {
    Supplier<Boolean> open = () -> {
      fallback.syncUsage(key, limit.bandwidths().get(index).id(), used);
      return true;
    };
    if (down()) {
      policy(open, null, false);
      return;
    }
    try {
      await(call(key, limit, SYNC, used, 0, index));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      policy(open, e, false);
    } catch (Exception e) {
      failed(e, open, false);
    }
  }

  @Override
  public String toString() {
    return "RedisRateLimiter[" + name + ", " + limits + ", prefix=" + keyPrefix + ", " + downPolicy + "]";
  }

  /**
   * Builds a {@link RedisRateLimiter}. Each value may be set once (a second call throws
   * {@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder extends RateLimiterBuilder<Builder> {
    private RedisScriptingAsyncCommands<String, String> commands;
    private RedisClient client;
    private RedisClusterClient clusterClient;
    private String keyPrefix;
    private Duration timeout;
    private Duration retryInterval;
    private RedisDownPolicy downPolicy;

    private Builder() {
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * The host's client (standalone or Sentinel), whatever codec its other connections use. At
     * {@link #build()} the limiter opens its own String-codec connection to the client's URI (the
     * one given to {@code RedisClient.create(uri)}); {@link RedisRateLimiter#close()} closes that
     * connection, never the client. Either this, the cluster client or a connection.
     */
    public Builder client(RedisClient client) {
      requireNonNull(client, "client");
      requireSourceUnset();
      this.client = client;
      return this;
    }

    /** {@link #client(RedisClient)} for Redis Cluster: the limiter opens a cluster connection. */
    public Builder client(RedisClusterClient client) {
      requireNonNull(client, "client");
      requireSourceUnset();
      this.clusterClient = client;
      return this;
    }

    /**
     * A connection the host already has (String codec; standalone or Sentinel), for hosts that
     * multiplex several limiters on one connection. The host owns it: the limiter never closes it,
     * and the host keeps it open while the limiter is used. Either this, a client or a cluster
     * connection.
     */
    public Builder connection(StatefulRedisConnection<String, String> connection) {
      requireNonNull(connection, "connection");
      requireSourceUnset();
      this.commands = connection.async();
      return this;
    }

    /** {@link #connection(StatefulRedisConnection)} for Redis Cluster; owned by the host. */
    public Builder connection(StatefulRedisClusterConnection<String, String> connection) {
      requireNonNull(connection, "connection");
      requireSourceUnset();
      this.commands = connection.async();
      return this;
    }

    /** The two clients and two connections are one value: where Redis is. */
    private void requireSourceUnset() {
      Checks.requireUnset("connection or client", commands != null || client != null || clusterClient != null);
    }

    /** Prefix of the Redis keys; default {@code "hotpath:ratelimit:<name>:"}. */
    public Builder keyPrefix(String keyPrefix) {
      requireNonNull(keyPrefix, "keyPrefix");
      Checks.requireUnset("keyPrefix", this.keyPrefix);
      if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException("keyPrefix must not contain braces (the limiter adds the hash tag): " + keyPrefix);
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /** How long a call may take before the down policy answers; default 250 ms. */
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      Checks.requireUnset("timeout", this.timeout);
      Checks.positiveNanos("timeout", timeout);
      this.timeout = timeout;
      return this;
    }

    /** How long the down policy answers alone after a failure; default 1 s. */
    public Builder retryInterval(Duration interval) {
      requireNonNull(interval, "retryInterval");
      Checks.requireUnset("retryInterval", this.retryInterval);
      Checks.positiveNanos("retryInterval", interval);
      this.retryInterval = interval;
      return this;
    }

    /** What to do while Redis does not answer; required. */
    public Builder downPolicy(RedisDownPolicy policy) {
      requireNonNull(policy, "policy");
      Checks.requireUnset("downPolicy", this.downPolicy);
      this.downPolicy = policy;
      return this;
    }

    /**
     * Checks the settings and, on a client, opens the limiter's connection; each call builds a new
     * limiter (with a new connection on a client).
     *
     * @throws IllegalStateException if name, limit/plans, client or connection, or downPolicy is
     *     missing
     * @throws IllegalArgumentException if a limit cannot be computed exactly in Redis
     * @throws RateLimiterUnavailableException if the limiter's connection cannot be opened (Redis
     *     does not answer or refuses it); the cause is Lettuce's exception
     */
    public RedisRateLimiter build() {
      if (commands == null && client == null && clusterClient == null) {
        throw new IllegalStateException("connection or client is not set");
      }
      if (downPolicy == null) {
        throw new IllegalStateException("downPolicy is not set: choose RedisDownPolicy.failClosed() or failOpen(share)");
      }
      validate();
      for (RateLimit limit : limits.all()) {
        RedisScript.spec(limit); // refuse a bad limit before a connection is opened
      }
      if (commands != null) {
        return new RedisRateLimiter(this, commands, null);
      }
      StatefulConnection<String, String> opened;
      RedisScriptingAsyncCommands<String, String> async;
      try {
        if (client != null) {
          StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8);
          opened = c;
          async = c.async();
        } else {
          StatefulRedisClusterConnection<String, String> c = clusterClient.connect(StringCodec.UTF8);
          opened = c;
          async = c.async();
        }
      } catch (RedisException e) {
        throw RateLimiterUnavailableException.cannotConnect(name, e);
      }
      try {
        return new RedisRateLimiter(this, async, opened);
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
    }
  }
}
