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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A {@link RateLimiter} whose buckets live in Redis, shared by every process using the same Redis,
 * key prefix and limit.
 *
 * <ul>
 *   <li>Every call is one round trip: EVALSHA of a Lua script that reads Redis {@code TIME} (client
 *       clocks do not matter) and checks and updates all bandwidths of the key atomically. After a
 *       {@code SCRIPT FLUSH} or failover (NOSCRIPT) the call is sent once more as EVAL, which also
 *       caches the script: the first attempt did not run, so this is not a replay.
 *   <li>A call that fails is never retried (a call that timed out may have run); the
 *       {@link RedisDownPolicy} answers it, and that call alone. Failures are told apart as the Redis
 *       tier of cache-redis does: an error reply (a script or command error) comes from a server
 *       that is up and only fails its call; no answer (a timeout, a lost connection, or a reply
 *       such as {@code LOADING} or {@code BUSY} from a server that cannot serve now) counts toward
 *       the {@linkplain Builder#failureThreshold threshold}. At the threshold of such failures in a
 *       row, or at once when the connection is lost, the circuit opens: for {@code retryInterval}
 *       the policy answers every call without asking Redis, then one call (the probe) asks while
 *       the others keep the policy's answer, and its answer closes the circuit or opens it for
 *       another interval. So while Redis is away at most one call per interval waits for it.
 *   <li>Failing open, the permits the local share granted are taken from the Redis bucket when
 *       Redis answers again; see {@link RedisDownPolicy#failOpen} for the bound this keeps.
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

  private static final String ACQUIRE = "a";
  private static final String SYNC = "s";
  private static final String DEBIT = "d";
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);
  private static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);
  private static final int DEFAULT_FAILURE_THRESHOLD = 3;

  private final RedisScriptingAsyncCommands<String, String> commands;
  /** The connection this limiter opened from the host's client; null on a host's connection. */
  final StatefulConnection<String, String> owned;
  /** The connection the commands go over, the limiter's or the host's: whether it is up. */
  private final StatefulConnection<String, String> connection;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String keyPrefix;
  private final long timeoutNanos;
  private final RedisDownPolicy downPolicy;
  private final OutageHandler outages;
  private final ConcurrentHashMap<RateLimit, String[]> specs = new ConcurrentHashMap<>();

  private RedisRateLimiter(Builder b, RedisScriptingAsyncCommands<String, String> commands,
      StatefulConnection<String, String> connection, StatefulConnection<String, String> owned) {
    super(b);
    this.commands = commands;
    this.connection = connection;
    this.owned = owned;
    this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "hotpath:ratelimit:" + b.name + ":";
    this.timeoutNanos = Checks.nanos("timeout", b.timeout != null ? b.timeout : DEFAULT_TIMEOUT);
    this.downPolicy = b.downPolicy;
    FallbackShare share = downPolicy.failsOpen()
        ? new FallbackShare(limits.scaled(downPolicy.localShare()), this::localShare)
        : null;
    this.outages = new OutageHandler(this, downPolicy,
        b.failureThreshold != null ? b.failureThreshold : DEFAULT_FAILURE_THRESHOLD,
        Checks.nanos("retryInterval", b.retryInterval != null ? b.retryInterval : DEFAULT_RETRY_INTERVAL),
        timeoutNanos, share, connection::isOpen, this::debit);
  }

  /** A local limiter under {@code scaled} whose buckets start empty, for the fail-open share. */
  private LocalRateLimiter localShare(Limits scaled) {
    LocalRateLimiter.Builder local = LocalRateLimiter.builder().name(name).clock(clock).scheduler(scheduler);
    local.limits = scaled;
    local.startEmpty = true;
    return local.build();
  }

  /** Sends a debt of the local share to Redis without waiting; one Redis did not answer stays owed. */
  private void debit(String key, long permits, RateLimit share, FallbackShare owner) {
    StringBuilder caps = new StringBuilder();
    for (Bandwidth b : share.bandwidths()) {
      caps.append(caps.length() == 0 ? "" : ",").append(b.capacity());
    }
    try {
      call(key, limits.limitFor(key), DEBIT, permits, caps.toString(), 0).whenComplete((r, e) -> {
        if (e != null) {
          outages.debitFailed(key, permits, e, owner);
        }
      });
    } catch (RuntimeException e) {
      owner.owe(key, permits);
    }
  }

  /** A new builder; name, limit or plans, a client (or connection) and downPolicy are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A handle that makes the keyed calls with its key: the key's state lives in Redis, so every call
   * is still one round trip, and the handle saves only the caller naming the key. It shares the
   * key's Redis bucket with keyed calls, handles in other processes included, and a replaced limit
   * reaches it on its next call.
   *
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}
   */
  @Override
  public KeyLimiter forKey(String key) {
    return super.forKey(key);
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
    outages.replace(replacement);
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

  /** Acquires ({@link #ACQUIRE}) or syncs ({@link #SYNC}) with the script. */
  private CompletableFuture<List<Object>> call(String key, RateLimit limit, String mode, long amount, long maxWaitNanos,
      int index) {
    return call(key, limit, mode, amount, Long.toString(maxWaitNanos / 1_000), index);
  }

  /** Runs the script; {@code third} is its third argument, which depends on the mode. */
  private CompletableFuture<List<Object>> call(String key, RateLimit limit, String mode, long amount, String third,
      int index) {
    String[] keys = {redisKey(key)};
    String[] args = arguments(limit).clone();
    args[0] = mode;
    args[1] = Long.toString(amount);
    args[2] = third;
    args[3] = Integer.toString(index + 1);
    CompletableFuture<List<Object>> first = commands.<List<Object>>evalsha(RedisScript.SHA1, ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture();
    CompletableFuture<List<Object>> result = first.exceptionallyCompose(e -> OutageHandler.unwrap(e) instanceof RedisNoScriptException
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
   * Whether Redis is down for this limiter now: while its circuit is open (calls got no answer
   * {@code failureThreshold} times in a row, or the connection was lost; the down policy answers
   * calls without asking Redis until a probe gets an answer), and while the connection the limiter
   * opened from the host's client is not connected (Lettuce's own state, read without I/O: an
   * outage shows without a call, and lasts until Lettuce reconnected), so also once closed. On a
   * connection the host handed over, only the former. For health checks. Thread-safe.
   */
  public boolean isRedisDown() {
    return circuitOpen() || (owned != null && !owned.isOpen());
  }

  /** One volatile read before each call to Redis. */
  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("RateLimiter '" + name + "' is closed");
    }
  }

  /** Whether a call starting now asks Redis (and as what). */
  private RedisBreaker.Pass pass() {
    requireOpen();
    return outages.pass();
  }

  /** Whether the circuit is open now (tests). */
  boolean circuitOpen() {
    return outages.circuitOpen();
  }

  /** Permits the local share granted that Redis has not been sent yet (tests). */
  long owedPermits() {
    return outages.owedPermits();
  }

  /** Debts of the local share Redis refused with an error reply, dropped (tests). */
  long refusedDebits() {
    return outages.refusedDebits();
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

  /** Adds {@code hotpath.ratelimiter.backend.failures{name}}. */
  @Override
  void bindMore(MeterRegistry registry, Tags tags, Recorder.Counting counting) {
    counter(registry, "hotpath.ratelimiter.backend.failures", tags, counting.backendFailures,
        "Redis calls that failed or timed out, answered by the down policy");
  }

  private static long encode(List<Object> result) {
    long wait = ((Long) result.get(1)) * 1_000;
    return ((Long) result.get(0)) == 1 ? wait : -Math.max(1, wait);
  }

  @Override
  long reserve(String key, RateLimit limit, long permits, long maxWaitNanos, NanoClock clock) {
    Supplier<Long> open = () -> outages.reserveLocally(key, permits, maxWaitNanos, clock);
    RedisBreaker.Pass pass = pass();
    if (pass == RedisBreaker.Pass.SKIP) {
      return outages.answer(open, null, true);
    }
    try {
      List<Object> reply = await(call(key, limit, ACQUIRE, permits, maxWaitNanos, 0));
      outages.answered(pass);
      long result = encode(reply);
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
      outages.abandoned(pass);
      return outages.answer(open, e, true);
    } catch (Exception e) {
      return outages.failed(e, pass, open, true);
    } catch (Error e) {
      outages.abandoned(pass);
      throw e;
    }
  }

  @Override
  CompletableFuture<Long> reserveAsync(String key, RateLimit limit, long permits, long maxWaitNanos) {
    Supplier<Long> open = () -> outages.reserveLocally(key, permits, maxWaitNanos, clock);
    RedisBreaker.Pass pass = pass();
    if (pass == RedisBreaker.Pass.SKIP) {
      return CompletableFuture.supplyAsync(() -> outages.answer(open, null, true), Runnable::run);
    }
    CompletableFuture<List<Object>> call;
    try {
      call = call(key, limit, ACQUIRE, permits, maxWaitNanos, 0);
    } catch (RuntimeException e) {
      return CompletableFuture.supplyAsync(() -> outages.failed(e, pass, open, true), Runnable::run);
    } catch (Error e) {
      outages.abandoned(pass);
      throw e;
    }
    return call.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).handle((result, error) -> {
      if (error == null) {
        outages.answered(pass);
        return encode(result);
      }
      call.cancel(false);
      return outages.failed(error, pass, open, true);
    });
  }

  @Override
  RateLimitDecision decide(String key, RateLimit limit, long permits) {
    Supplier<RateLimitDecision> open = () -> outages.decideLocally(key, permits);
    RedisBreaker.Pass pass = pass();
    if (pass == RedisBreaker.Pass.SKIP) {
      return outages.answer(open, null, true);
    }
    try {
      List<Object> r = await(call(key, limit, ACQUIRE, permits, 0, 0));
      outages.answered(pass);
      return new RateLimitDecision((Long) r.get(0) == 1, (Long) r.get(2), (Long) r.get(1) * 1_000,
          (Long) r.get(3), (Long) r.get(4) * 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outages.abandoned(pass);
      return outages.answer(open, e, true);
    } catch (Exception e) {
      return outages.failed(e, pass, open, true);
    } catch (Error e) {
      outages.abandoned(pass);
      throw e;
    }
  }

  @Override
  void sync(String key, RateLimit limit, int index, long used) {
    Supplier<Boolean> open = () -> {
      outages.syncLocally(key, limit.bandwidths().get(index).id(), used);
      return true;
    };
    RedisBreaker.Pass pass = pass();
    if (pass == RedisBreaker.Pass.SKIP) {
      outages.answer(open, null, false);
      return;
    }
    try {
      await(call(key, limit, SYNC, used, 0, index));
      outages.answered(pass);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outages.abandoned(pass);
      outages.answer(open, e, false);
    } catch (Exception e) {
      outages.failed(e, pass, open, false);
    } catch (Error e) {
      outages.abandoned(pass);
      throw e;
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
    private StatefulConnection<String, String> connection;
    private RedisClient client;
    private RedisClusterClient clusterClient;
    private String keyPrefix;
    private Duration timeout;
    private Duration retryInterval;
    private Integer failureThreshold;
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
      this.connection = connection;
      return this;
    }

    /** {@link #connection(StatefulRedisConnection)} for Redis Cluster; owned by the host. */
    public Builder connection(StatefulRedisClusterConnection<String, String> connection) {
      requireNonNull(connection, "connection");
      requireSourceUnset();
      this.commands = connection.async();
      this.connection = connection;
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

    /**
     * How long the down policy answers alone once the circuit has opened, and after each probe
     * that got no answer; default 1 s.
     */
    public Builder retryInterval(Duration interval) {
      requireNonNull(interval, "retryInterval");
      Checks.requireUnset("retryInterval", this.retryInterval);
      Checks.positiveNanos("retryInterval", interval);
      this.retryInterval = interval;
      return this;
    }

    /**
     * How many calls in a row must get no answer (timeout, lost connection, a server that cannot
     * serve) before the circuit opens; default 3. Error replies never count: the server that sent
     * them is up. A lost connection opens the circuit at once.
     *
     * @throws IllegalArgumentException if failures is not positive
     */
    public Builder failureThreshold(int failures) {
      Checks.requireUnset("failureThreshold", this.failureThreshold);
      Checks.positive("failureThreshold", failures);
      this.failureThreshold = failures;
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
        return new RedisRateLimiter(this, commands, connection, null);
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
        return new RedisRateLimiter(this, async, opened, opened);
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
    }
  }
}
