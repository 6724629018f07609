package dev.hotpath.cache.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Redis tier and its invalidation bus share: the command connection (standalone,
 * Sentinel or Cluster behind one interface), the circuit breaker, the key layout, the scripts, one
 * background thread, the knowledge of which namespaces the tier records itself, how far into the
 * log this node's caches have been told (the fences that make fills safe), and the changes Redis
 * has not seen yet ({@link UnsentChanges}), which the circuit's probe resends before it closes.
 *
 * <p>Every wait on Redis goes through {@link #await}: bounded by the command timeout, counted by
 * the breaker. Thread-safe.
 */
final class RedisLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
  /** How long close waits for a background task (a connect takes at most its connect timeout). */
  private static final long CLOSE_WAIT_SECONDS = 10;

  /** Null until the command connection is made (see {@link #connectInBackground}). */
  private volatile RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final RedisConnector connector;
  final KeyLayout layout;
  final CircuitBreaker breaker;
  final String nodeId;
  final String description;
  final long timeoutNanos;
  final int logLength;
  final ScheduledExecutorService background;
  /**
   * The namespaces whose keys' changes by others the bus asks Redis to report ({@link
   * RedisTier.Builder#trackRedisChanges}); empty when none asked or the source cannot (Cluster).
   */
  final Set<String> trackedNamespaces;

  private final List<AutoCloseable> owned;
  /** Why the first connection attempt failed, while connecting in the background. */
  private volatile Throwable startFailure;
  private final long probeIntervalNanos;
  private final AtomicBoolean resendScheduled = new AtomicBoolean();
  private final String writeSha;
  private final String fillSha;
  private final String refreshSha;
  /** Per log shard, the number up to which this node's listeners were handed every record; -1 unknown. */
  private final AtomicLongArray fences;
  private final CopyOnWriteArrayList<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();
  private final Set<String> recordedNamespaces = ConcurrentHashMap.newKeySet();
  private final CopyOnWriteArrayList<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;

  final LongAdder failures = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder skippedWrites = new LongAdder();
  final LongAdder skippedFills = new LongAdder();
  /** What the tier is changing, to tell Redis's reports of its own changes from others'; see {@link LocalWrites}. */
  final LocalWrites localWrites;
  /** Changes Redis has not seen; resent before the circuit closes, and on every reconcile. */
  final UnsentChanges unsent;

  /** @param owned what the tier opened before the link (its own client), closed with the link */
  RedisLink(
      RedisConnector connector,
      List<AutoCloseable> owned,
      KeyLayout layout,
      String nodeId,
      String description,
      long timeoutNanos,
      int failureThreshold,
      long probeIntervalNanos,
      int logLength,
      Set<String> trackedNamespaces) {
    this.connector = connector;
    this.owned = new CopyOnWriteArrayList<>(owned);
    this.layout = layout;
    this.nodeId = nodeId;
    this.description = description;
    this.timeoutNanos = timeoutNanos;
    this.probeIntervalNanos = probeIntervalNanos;
    this.logLength = logLength;
    this.trackedNamespaces = connector.canTrackRedisChanges ? Set.copyOf(trackedNamespaces) : Set.of();
    // A change's report leaves Redis with the script's reply; a command timeout is ample for it to arrive.
    this.localWrites = new LocalWrites(timeoutNanos);
    this.writeSha = sha1(InvalidationRecord.WRITE_SCRIPT);
    this.fillSha = sha1(InvalidationRecord.FILL_SCRIPT);
    this.refreshSha = sha1(InvalidationRecord.REFRESH_SCRIPT);
    this.fences = new AtomicLongArray(layout.shards());
    for (int i = 0; i < layout.shards(); i++) {
      fences.set(i, -1);
    }
    AtomicInteger threads = new AtomicInteger();
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "hotpath-redis-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    // At close, scheduled work is dropped; only a task already running is waited for.
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    this.background = executor;
    this.breaker = new CircuitBreaker(failureThreshold, this::scheduleProbe);
    this.unsent = new UnsentChanges(UnsentChanges.DEFAULT_MAX_KEYS, description);
  }

  // ---- connecting

  /** Makes the command connection now. */
  void connect() {
    commands = connector.connectCommands(this);
  }

  /**
   * Starts without Redis: the circuit opens, so calls are refused at once, and the probe makes the
   * connection in the background. The bus does not know its place in the log until then, so once
   * connected it clears what this node cached meanwhile (see {@link LogFollower}).
   */
  void connectInBackground(Throwable cause) {
    startFailure = cause;
    breaker.trip();
  }

  /** Closes {@code resource} with this link, or now if the link is already closed. */
  void own(AutoCloseable resource) {
    owned.add(resource);
    if (closed.get()) {
      closeOwned();
    }
  }

  /** The command connection's commands. */
  RedisClusterAsyncCommands<byte[], byte[]> commands() {
    RedisClusterAsyncCommands<byte[], byte[]> c = commands;
    if (c == null) {
      rejected.increment();
      throw RedisUnavailableException.INSTANCE;
    }
    return c;
  }

  // ---- calls

  /** Throws at once, without touching the network, while the breaker is open. */
  void ensureAvailable() {
    if (breaker.isOpen()) {
      rejected.increment();
      throw RedisUnavailableException.INSTANCE;
    }
  }

  /** The outcome of {@code future}, waiting at most the command timeout; counted by the breaker. */
  <T> T await(Future<T> future) {
    return await(future, System.nanoTime() + timeoutNanos);
  }

  <T> T await(Future<T> future, long deadline) {
    try {
      T value = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      breaker.success();
      return value;
    } catch (TimeoutException e) {
      future.cancel(false);
      throw failed(new RedisTierException("no answer from " + description + " within "
          + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", e));
    } catch (ExecutionException e) {
      throw failed(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisTierException("interrupted while waiting for " + description, e);
    }
  }

  /** Waits for every future (sent together: a pipeline) within one command timeout. */
  void awaitAll(List<? extends Future<?>> futures) {
    long deadline = System.nanoTime() + timeoutNanos;
    RuntimeException first = null;
    for (Future<?> f : futures) {
      try {
        await(f, deadline);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** {@code future} bounded by the command timeout and counted by the breaker, for async callers. */
  <T> CompletableFuture<T> async(CompletableFuture<T> future) {
    return future
        .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
        .handle(
            (value, error) -> {
              if (error == null) {
                breaker.success();
                return value;
              }
              throw new CompletionException(failed(unwrap(error)));
            });
  }

  private RuntimeException failed(Throwable cause) {
    if (isOutage(cause)) {
      failures.increment();
      breaker.failure();
      logRateLimited(cause);
    }
    return cause instanceof RuntimeException re ? re : new RedisTierException(String.valueOf(cause), cause);
  }

  /** A server that answered with an error is up; only these replies mean it cannot serve. */
  private static boolean isOutage(Throwable t) {
    if (t instanceof RedisCommandExecutionException) {
      String m = String.valueOf(t.getMessage());
      return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
          || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN")
          || m.startsWith("ERR max number of clients");
    }
    return !(t instanceof IllegalArgumentException);
  }

  /**
   * Whether a failed connection attempt was refused by a server that answered (a wrong password,
   * a missing ACL permission) rather than lost to an outage: retrying cannot help. Looks through
   * causes and suppressed exceptions, where Lettuce puts each Cluster seed node's and Sentinel's
   * failure.
   */
  static boolean refusedByServer(Throwable failure) {
    return serverRefusal(failure) != null;
  }

  /**
   * The server's error reply that refused a connection attempt ({@code "WRONGPASS invalid
   * username-password pair or user is disabled."}, {@code "NOAUTH Authentication required."}), or
   * null when the attempt failed otherwise (see {@link #refusedByServer}). Redis never echoes a
   * password in these replies.
   */
  static String serverRefusal(Throwable failure) {
    return serverRefusal(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private static String serverRefusal(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return null;
    }
    if (t instanceof RedisCommandExecutionException && !isOutage(t)) {
      return String.valueOf(t.getMessage());
    }
    for (Throwable suppressed : t.getSuppressed()) {
      String reply = serverRefusal(suppressed, seen);
      if (reply != null) {
        return reply;
      }
    }
    return serverRefusal(t.getCause(), seen);
  }

  /**
   * A refusal said plainly, for the build's error and the log: a wrong password, a missing one, a
   * missing permission, or any other error reply.
   *
   * @param reply the server's reply, from {@link #serverRefusal}
   * @param user the user logged in as, or null when unknown
   */
  static String describeRefusal(String reply, String user) {
    String who = user == null ? "" : " of user '" + user + "'";
    if (reply.startsWith("WRONGPASS")) {
      return "the server refused the login" + who + ": wrong password or user (" + reply + ")";
    }
    if (reply.startsWith("NOAUTH")) {
      return "the server requires a password and none was given (" + reply + ")";
    }
    if (reply.startsWith("NOPERM")) {
      return "the server refused a command the tier needs to user" + (user == null ? "" : " '" + user + "'")
          + ": missing ACL permission (" + reply + ")";
    }
    return "the server refused the connection (" + reply + ")";
  }

  private void logRateLimited(Throwable cause) {
    long now = System.nanoTime();
    if (now - lastLog >= LOG_INTERVAL_NANOS) {
      lastLog = now;
      LOG.warn("{} failed ({} failures so far): {}", description, failures.sum(), cause.toString());
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Runs the write script: the change to {@code keys[2..]} and its invalidation record, atomically.
   * Loads the script on {@code NOSCRIPT} (a restarted or failed-over server).
   */
  CompletableFuture<Object> writeScript(byte[][] keys, byte[][] args) {
    return script(InvalidationRecord.WRITE_SCRIPT, writeSha, ScriptOutputType.INTEGER, keys, args);
  }

  /** Runs the fill script (see {@link InvalidationRecord#FILL_SCRIPT}); completes with a 0/1 list, one per entry. */
  CompletableFuture<Object> fillScript(byte[][] keys, byte[][] args) {
    return script(InvalidationRecord.FILL_SCRIPT, fillSha, ScriptOutputType.MULTI, keys, args);
  }

  /** Runs the refresh script (see {@link InvalidationRecord#REFRESH_SCRIPT}); answers as {@link #fillScript}. */
  CompletableFuture<Object> refreshScript(byte[][] keys, byte[][] args) {
    return script(InvalidationRecord.REFRESH_SCRIPT, refreshSha, ScriptOutputType.MULTI, keys, args);
  }

  private CompletableFuture<Object> script(
      String source, String sha1, ScriptOutputType output, byte[][] keys, byte[][] args) {
    RedisClusterAsyncCommands<byte[], byte[]> c = commands();
    RedisFuture<Object> sha = c.evalsha(sha1, output, keys, args);
    return sha.toCompletableFuture()
        .exceptionallyCompose(
            e -> {
              Throwable cause = unwrap(e);
              if (cause instanceof RedisNoScriptException
                  || String.valueOf(cause.getMessage()).startsWith("NOSCRIPT")) {
                RedisFuture<Object> eval = c.eval(source, output, keys, args);
                return eval.toCompletableFuture();
              }
              return CompletableFuture.failedFuture(cause);
            });
  }

  // ---- what the tier and bus tell each other

  /** Whether Redis reports changes of {@code namespace}'s keys by others to the bus (client tracking). */
  boolean tracks(String namespace) {
    return trackedNamespaces.contains(namespace);
  }

  void recordsNamespace(String namespace) {
    recordedNamespaces.add(namespace);
  }

  /** Whether the tier's write script already records invalidations of this namespace. */
  boolean isRecorded(String namespace) {
    return recordedNamespaces.contains(namespace);
  }

  void onRecovery(Runnable listener) {
    recoveryListeners.add(listener);
  }

  /**
   * The log number of {@code shard} up to which this node's listeners have been handed every
   * record (and told of any loss), or -1 while the bus does not know its position.
   */
  long fence(int shard) {
    return fences.get(shard);
  }

  /** Set by the bus only after the listeners ran, so a fill never gets ahead of what they know. */
  void setFence(int shard, long seq) {
    fences.set(shard, seq);
  }

  /** {@code listener} runs (on a Lettuce thread: it must only hand work off) when the command connection reconnects. */
  void onReconnect(Runnable listener) {
    reconnectListeners.add(listener);
  }

  /** The command connection was re-established: its connection state (client tracking) is gone. */
  void reconnected() {
    for (Runnable listener : reconnectListeners) {
      listener.run();
    }
  }

  StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub() {
    return connector.connectChannel();
  }

  // ---- breaker probe

  private void scheduleProbe() {
    if (closed.get()) {
      return;
    }
    Throwable atStart = startFailure;
    if (atStart != null) {
      LOG.warn("{} is unreachable at start ({}); serving without it and connecting in the background",
          description, atStart.toString());
    } else {
      LOG.warn("{} is unavailable: circuit open; serving without it until it answers again", description);
    }
    try {
      background.schedule(this::probe, probeIntervalNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // closed meanwhile: nothing to probe for
    }
  }

  private void probe() {
    if (closed.get()) {
      return;
    }
    try {
      if (commands == null) {
        connect();
        startFailure = null;
        LOG.info("{} connected", description);
      }
      commands.ping().toCompletableFuture().get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return;
      }
      probeFailed(e);
      return;
    }
    boolean wasOpen;
    try {
      wasOpen = closeOnceResent();
    } catch (RuntimeException e) {
      probeFailed(e);
      return;
    }
    if (wasOpen) {
      LOG.info("{} answers again: circuit closed", description);
      for (Runnable listener : recoveryListeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          LOG.warn("recovery listener failed", e);
        }
      }
    }
  }

  /**
   * Remembers a change whose write failed or may not have happened, and, when the circuit is
   * closed (Redis answers, but refused or lost this write), tries it again after a probe interval
   * rather than only at the next reconcile: until it is made, other nodes read the value it
   * replaced from Redis.
   */
  void rememberFailed(UnsentChanges.Target target, java.util.Collection<String> keys, boolean whole) {
    unsent.remember(target, keys, whole);
    resendSoon();
  }

  private void resendSoon() {
    if (!resendScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      background.schedule(this::resendPending, probeIntervalNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      resendScheduled.set(false); // closed
    }
  }

  /** On the background thread. While the circuit is open the probe resends instead. */
  private void resendPending() {
    resendScheduled.set(false);
    if (breaker.isOpen() || unsent.size() == 0) {
      return;
    }
    try {
      unsent.resendAll();
    } catch (RuntimeException e) {
      LOG.debug("{}: resending {} changes failed; trying again", description, unsent.size(), e);
    }
    if (unsent.size() > 0 && !breaker.isOpen()) {
      resendSoon();
    }
  }

  /**
   * Resends the changes Redis has not seen, one pass (which also shows that Redis takes writes
   * again), then closes the circuit. Changes made during the pass are resent after it closed
   * ({@link #resendPending}): until then this node's reads of their keys skip Redis ({@link
   * UnsentChanges#isUnsent}), so it never reads back a value it replaced, and its new writes go to
   * Redis as usual (a resend only deletes, with its records, so one that lands after a newer write
   * costs a cache entry, never a stale one). Closing only in a pass that found nothing pending, as
   * this did before, never happened while the node kept writing: every pass ended with the writes
   * made during it, and the node stayed off Redis for as long as its writes went on.
   *
   * @return whether the circuit was open
   * @throws RuntimeException what Redis threw while resending; the circuit stays open
   */
  private boolean closeOnceResent() {
    unsent.resendAll();
    boolean wasOpen = breaker.close();
    // A change that found the circuit open was remembered under the lock size() takes, so it is
    // counted here: one made after the close went to Redis itself.
    if (unsent.size() > 0) {
      resendSoon();
    }
    return wasOpen;
  }

  /** The probe found Redis not answering, or not accepting the resent changes: probe again later. */
  private void probeFailed(Exception e) {
    if (commands == null) {
      // Still not connected: say why now and then, loudly if the server refuses us.
      String refusal = serverRefusal(e);
      if (refusal != null) {
        LOG.error("{} refuses the connection: {}", description, describeRefusal(refusal, null));
      } else {
        logRateLimited(e);
      }
    } else if (e instanceof RuntimeException) {
      logRateLimited(e); // resending failed
    }
    try {
      background.schedule(this::probe, probeIntervalNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // closed meanwhile
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Not shutdownNow: interrupting a connect in progress makes Lettuce give up waiting while the
    // connection is still made, and it would never be handed to own() and closed.
    background.shutdown();
    try {
      if (!background.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        background.shutdownNow();
      }
    } catch (InterruptedException e) {
      background.shutdownNow();
      Thread.currentThread().interrupt();
    }
    closeOwned();
  }

  private synchronized void closeOwned() {
    // Connections before the client that made them: shutting a client down closes its connections.
    while (!owned.isEmpty()) {
      AutoCloseable c = owned.remove(owned.size() - 1);
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", c.getClass().getSimpleName(), e);
      }
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  private static String sha1(String script) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
