package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.InvalidationListener;
import dev.hotpath.cache.Subscription;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invalidation bus between nodes that share a {@link RedisTier}: reliable, not best-effort.
 * Obtain it from {@link RedisTier#invalidationBus()} and give it to the cache:
 *
 * <pre>{@code
 * RedisTier redis = RedisTier.builder().uri("redis://cache:6379").keyPrefix("md").build();
 * TieredCache cache = TieredCache.builder()
 *     .tier(redis)
 *     .invalidationBus(redis.invalidationBus())
 *     .namespace(symbols)
 *     .build();
 * }</pre>
 *
 * <p><b>How it stays reliable.</b> Every change is appended to a bounded, gap-free numbered log
 * in Redis (a Stream beside a counter) and published on a channel in the same script; the channel
 * is only the fast path. Each node remembers its position in the log. A message whose number is
 * not the next one, a resubscription after a reconnect, and a periodic check (every {@code
 * reconcileInterval}) make the node read the log from its position. When the log cannot cover the
 * gap (it was trimmed past the position, or Redis lost it in a restart), the node's subscribers
 * are told {@link InvalidationListener#onEventsPossiblyLost()}, and the cache clears the
 * in-process entries of its shared namespaces. A node whose own write to Redis failed or was
 * skipped (circuit open) does the same once Redis answers again, since its in-process copy may then
 * hold what Redis does not.
 *
 * <p><b>Atomicity.</b> For namespaces stored in the Redis tier, the tier's write script records the
 * invalidation in the same atomic step as the change itself, so {@link #publish} only delivers the
 * event to this JVM's other subscribers: there is no window in which Redis changed and the record
 * is missing, and no second round trip. Events of namespaces not stored in Redis (an L1-only or
 * PostgreSQL-only namespace) are recorded by {@link #publish} itself.
 *
 * <p><b>Origins.</b> A record carries the id of the cache (node) that made the change ({@code
 * NamespaceContext#nodeId()}), not the tier's: several caches of one JVM may share one tier and this
 * bus. Every record is delivered to every subscriber, and each cache ignores events of its own
 * origin, as with any {@link InvalidationBus}. Another cache of the same JVM thus gets a change
 * twice, from {@link #publish} at once and from the log shortly after; the second costs at most
 * one extra miss. Events are delivered on one background thread, in log order per log shard.
 *
 * <p><b>Changes made in Redis by other programs.</b> When the tier opened its own connections to
 * a standalone or Sentinel server, the bus also asks Redis to report every change to a key under
 * the tier's prefix made by any other connection ({@code CLIENT TRACKING ... BCAST NOLOOP}, sent
 * to this bus's channel connection): a DEL, SET, EXPIRE, expiry or eviction by anyone reaches the
 * subscribers as an event of origin {@link #REDIS_ORIGIN}, and a FLUSHDB or FLUSHALL as {@link
 * InvalidationListener#onEventsPossiblyLost()}. Redis reports this tier's own changes as well:
 * {@code NOLOOP} only hides commands the command connection runs itself, and the tier changes
 * entries inside scripts, which Redis attributes to its script client. So the tier registers each
 * key before its script is sent, and the bus gives a report of such a key the origin of the cache
 * that changed it, which ignores it (see {@code LocalWrites} for the short window this leaves).
 * Redis reports changes by other Hotpath nodes too, so those arrive twice (the log and the
 * report), unordered; that only ever costs an extra miss. Tracking ends when either connection reconnects;
 * the bus checks it on every reconcile, re-enables it and, since changes in between went
 * unreported, tells the subscribers that events may have been lost. See {@link RedisTier} for
 * where tracking is not available.
 *
 * <p>Thread-safe. Closing the bus stops delivery; the tier's connection stays open until the tier
 * is closed.
 */
public final class RedisInvalidationBus implements InvalidationBus {
  /**
   * The origin of events for changes Redis reported and no Hotpath node recorded (client
   * tracking): no cache ignores them as its own unless its node id is this string.
   */
  public static final String REDIS_ORIGIN = "redis";

  private static final Logger LOG = LoggerFactory.getLogger(RedisInvalidationBus.class);
  private static final String INVALIDATE = "invalidate";
  private static final int READ_BATCH = 512;
  private static final byte[] FIELD_SEQ = {'q'};
  private static final byte[] FIELD_RECORD = {'e'};

  private final RedisLink link;
  private final long reconcileIntervalNanos;
  private final CopyOnWriteArrayList<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  private final Position[] positions;
  private final byte[] logLength;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;
  private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubSub;
  /** Why events may have been missed in the running bus task; bus thread only. */
  private String lostReason;

  private final LongAdder received = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder readFromLog = new LongAdder();
  private final LongAdder possiblyLost = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  /** Namespaces (not stored in Redis) whose events could not be recorded, with an origin; see {@link #publishFailed}. */
  private final Map<String, String> failedPublishes = new ConcurrentHashMap<>();
  private final LongAdder changedInRedis = new LongAdder();
  private final LongAdder trackingEnabled = new LongAdder();
  /** The server or the channel connection cannot track; set once, on the bus thread. */
  private volatile boolean trackingUnavailable;
  /** Tracking was switched on and no attempt to switch it on again has failed since; bus thread only. */
  private boolean trackingOn;

  RedisInvalidationBus(RedisLink link, long reconcileIntervalNanos) {
    this.link = link;
    this.reconcileIntervalNanos = reconcileIntervalNanos;
    this.positions = new Position[link.layout.shards()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = new Position(i);
    }
    this.logLength = RedisTierStore.ascii(link.logLength);
    link.onRecovery(() -> runInBackground(this::reconcile));
    link.onReconnect(() -> runInBackground(this::reconcile));
  }

  /**
   * Starts following the log: positions first, then the channel, so a change made between the two
   * shows up as a gap and is read from the log rather than missed.
   */
  void start() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    try {
      link.background.submit(
          () -> {
            try {
              for (Position p : positions) {
                initialize(p, false);
              }
              subscribe();
              ensureTracking(true);
            } finally {
              publishFences();
            }
          }).get(link.timeoutNanos * (positions.length + 2L), TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("invalidation bus on {} starts without the log; it retries every {} ms: {}",
          link.description, TimeUnit.NANOSECONDS.toMillis(reconcileIntervalNanos), e.toString());
    }
    link.background.scheduleWithFixedDelay(
        () -> {
          try {
            reconcile();
          } catch (RuntimeException e) {
            LOG.debug("invalidation log check failed; retrying on the next one", e);
          } finally {
            endTask();
          }
        },
        reconcileIntervalNanos,
        reconcileIntervalNanos,
        TimeUnit.NANOSECONDS);
  }

  // ---- InvalidationBus

  /**
   * Delivers {@code event} to this JVM's other subscribers and, unless the Redis tier recorded it
   * already as part of the change, records it in the log for other nodes (asynchronously: this
   * method does not wait for Redis). Never throws for Redis failures; they are counted.
   *
   * @throws NullPointerException if {@code event} is null
   */
  @Override
  public void publish(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    deliver(event);
    if (link.isRecorded(event.namespace()) || closed) {
      return;
    }
    if (link.breaker.isOpen()) {
      publishFailed(event);
      return;
    }
    CompletableFuture<Object> sent;
    try {
      sent = RedisTierStore.recordOnly(link, InvalidationRecord.encode(event), logLength);
    } catch (RuntimeException e) {
      publishFailed(event);
      return;
    }
    link.async(sent).whenComplete((seq, e) -> {
      if (e != null) {
        publishFailed(event);
      }
    });
  }

  /**
   * Other nodes never heard of {@code event} and keep their copies; the namespace is invalidated
   * whole once Redis answers again ({@link #recordFailedPublishes}), since the failed events'
   * keys are not kept.
   */
  private void publishFailed(InvalidationEvent event) {
    publishFailures.increment();
    failedPublishes.put(event.namespace(), event.origin());
  }

  /**
   * Records a whole-namespace invalidation for each namespace whose publish failed, with the
   * origin of its last failed event (that cache's copies are current). Runs on the bus thread,
   * from every reconcile, so also after a recovery; a namespace stays pending until recorded.
   */
  private void recordFailedPublishes() {
    for (String namespace : List.copyOf(failedPublishes.keySet())) {
      String origin = failedPublishes.remove(namespace);
      if (origin == null) {
        continue;
      }
      try {
        link.await(
            RedisTierStore.recordOnly(
                link, InvalidationRecord.encode(InvalidationEvent.ofNamespace(namespace, origin)), logLength));
      } catch (RuntimeException e) {
        // Not recorded: try again on the next check, unless a newer failure already took its place.
        failedPublishes.putIfAbsent(namespace, origin);
        throw e;
      }
    }
  }

  /**
   * Adds a subscriber. It receives other nodes' events and this JVM's published ones on the bus's
   * thread, and {@link InvalidationListener#onEventsPossiblyLost()} when the log could not cover
   * a gap.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  @Override
  public Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Stops delivery and closes the bus's channel connection. Idempotent; never throws. */
  @Override
  public void close() {
    closed = true;
    listeners.clear();
    StatefulRedisPubSubConnection<byte[], byte[]> c = pubSub;
    pubSub = null;
    if (c != null) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the invalidation channel failed", e);
      }
    }
  }

  RedisBusCounters counters() {
    return new RedisBusCounters(
        received.sum(),
        delivered.sum(),
        readFromLog.sum(),
        possiblyLost.sum(),
        publishFailures.sum(),
        changedInRedis.sum(),
        trackingEnabled.sum());
  }

  /**
   * @param changedInRedis entry keys Redis reported changed by another connection (client tracking)
   * @param trackingEnabled times client tracking was switched on (at start and after reconnects)
   */
  record RedisBusCounters(
      long received,
      long delivered,
      long readFromLog,
      long possiblyLost,
      long publishFailures,
      long changedInRedis,
      long trackingEnabled) {}

  // ---- the channel

  private void subscribe() {
    if (closed || pubSub != null || !link.hasPubSub()) {
      return;
    }
    StatefulRedisPubSubConnection<byte[], byte[]> c = link.connectPubSub();
    c.addListener(
        new PushListener() {
          /** RESP3: client tracking's reports arrive as "invalidate" pushes on this connection. */
          @Override
          public void onPushMessage(PushMessage message) {
            if (INVALIDATE.equals(message.getType())) {
              received.increment();
              // Copied here: the buffers belong to the connection's thread.
              List<byte[]> keys = changedKeys(message.getContent(RedisInvalidationBus::copy));
              runInBackground(() -> onRedisChanged(keys));
            }
          }
        });
    c.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(byte[] channel, byte[] message) {
            received.increment();
            runInBackground(() -> onMessage(message));
          }

          /** Also called when Lettuce resubscribes after a reconnect: messages may have been missed. */
          @Override
          public void subscribed(byte[] channel, long count) {
            runInBackground(RedisInvalidationBus.this::reconcile);
          }
        });
    try {
      c.async().subscribe(link.layout.channel()).get(link.timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      c.closeAsync();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new RedisTierException("could not subscribe to the invalidation channel", e);
    }
    pubSub = c;
    // close() may have run while this connected; it closed only what it saw in pubSub.
    if (closed) {
      pubSub = null;
      c.closeAsync();
    }
  }

  private void runInBackground(Runnable task) {
    if (closed) {
      return;
    }
    try {
      link.background.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              // Positions are unchanged: the next check reads the log from where this stopped.
              LOG.debug("invalidation bus task failed; retrying on the next check", e);
            } finally {
              endTask();
            }
          });
    } catch (RejectedExecutionException e) {
      // The tier is closing.
    }
  }

  /** Runs on the bus thread, like everything that reads or moves a position. */
  private void onMessage(byte[] bytes) {
    InvalidationRecord.Message m;
    try {
      m = InvalidationRecord.Message.parse(bytes);
    } catch (RuntimeException e) {
      LOG.debug("ignoring a foreign message on the invalidation channel");
      return;
    }
    if (m.shard() < 0 || m.shard() >= positions.length) {
      LOG.warn("invalidation message for log shard {} but this node has {}; are the nodes configured alike?",
          m.shard(), positions.length);
      return;
    }
    Position p = positions[m.shard()];
    if (!p.known || !m.id().isAfter(p.id)) {
      return; // Unknown: the next check initializes; not after: already read from the log.
    }
    if (m.seq() == p.seq + 1) {
      p.advance(m.seq(), m.id());
      deliverRemote(m.event());
      return;
    }
    readLog(p);
  }

  // ---- changes Redis reports (client tracking)

  /**
   * Makes the tier's command connection report changes to keys under the prefix to the channel
   * connection, unless it does already. A new command connection starts without tracking and a
   * new channel connection has a new id, so after either reconnects this switches tracking on again
   * and, past the start, notes that changes may have gone unreported meanwhile. Runs on the bus
   * thread; never throws.
   */
  private void ensureTracking(boolean atStart) {
    StatefulRedisPubSubConnection<byte[], byte[]> c = pubSub;
    if (!link.tracksRedisChanges || trackingUnavailable || c == null || closed) {
      return;
    }
    long target;
    try {
      // Not through link.await: the channel connection being down is not the server being down.
      target = c.async().clientId().toCompletableFuture().get(link.timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (String.valueOf(RedisLink.unwrap(e).getMessage()).contains("not allowed while subscribed")) {
        trackingUnavailable("the channel connection speaks RESP2 (the client is configured for it)");
      }
      return; // Reconnecting: the next check tries again.
    } catch (TimeoutException e) {
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      long redirect = link.await(link.commands().clientGetredir());
      if (redirect == target) {
        return;
      }
      if (redirect >= 0) {
        // Redis refuses a prefix the connection already tracks ("overlaps"), even for a new target.
        link.await(link.commands().clientTracking(TrackingArgs.Builder.enabled(false)));
      }
      link.await(
          link.commands().clientTracking(
              TrackingArgs.Builder.enabled()
                  .redirect(target)
                  .bcast()
                  .prefixes(StandardCharsets.UTF_8, link.layout.prefix())
                  .noloop()));
    } catch (RedisCommandExecutionException e) {
      if (refusesTrackingForGood(e.getMessage())) {
        // The server has no client tracking (before Redis 6) or refuses it to this user (ACL).
        trackingUnavailable("Redis refused it: " + e.getMessage());
        return;
      }
      // A passing refusal: the channel connection reconnected since CLIENT ID (its old id is
      // gone), or the server is loading, busy or without its master. Tracking may be off now.
      trackingFailed(e);
      return;
    } catch (RuntimeException e) {
      trackingFailed(e);
      return;
    }
    trackingEnabled.increment();
    trackingOn = true;
    if (!atStart) {
      lost("Redis client tracking was switched on again (a connection was re-established); changes made in "
          + "Redis meanwhile were not reported");
    }
  }

  /**
   * Whether Redis's error reply to a tracking command means it will never track for this tier:
   * the command or subcommand is unknown (before Redis 6), the ACL user may not run it, or the
   * connection may not use it. Any other error (a stale redirect id, LOADING, BUSY, MASTERDOWN)
   * passes, so the next check tries again.
   */
  static boolean refusesTrackingForGood(String message) {
    String m = String.valueOf(message).toLowerCase(Locale.ROOT);
    return m.startsWith("noperm")
        || m.contains("unknown command")
        || m.contains("unknown subcommand")
        || m.contains("not allowed in this context");
  }

  /**
   * Switching tracking on failed for now; the next check tries again. Changes made in Redis until
   * then go unreported, so if tracking was on before, subscribers are told (once per gap).
   */
  private void trackingFailed(RuntimeException e) {
    LOG.debug("could not switch Redis client tracking on; retrying on the next check", e);
    if (trackingOn) {
      trackingOn = false;
      lost("Redis client tracking could not be switched on again (" + e.getMessage() + "); changes made in Redis "
          + "until it is were not reported");
    }
  }

  private void trackingUnavailable(String why) {
    trackingUnavailable = true;
    LOG.info("{}: changes made in Redis by other programs are not reported to in-process copies ({}); "
        + "they live until their in-process TTL", link.description, why);
  }

  /** The keys of an "invalidate" push, or null when Redis reports a flush. */
  private static List<byte[]> changedKeys(List<Object> content) {
    for (Object item : content) {
      if (item instanceof List<?> keys) {
        List<byte[]> copies = new ArrayList<>(keys.size());
        for (Object key : keys) {
          byte[] bytes = key instanceof ByteBuffer b ? (byte[]) copy(b) : (byte[]) key;
          if (bytes != null) {
            copies.add(bytes);
          }
        }
        return copies;
      }
    }
    return null;
  }

  private static Object copy(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** Runs on the bus thread: one event per namespace for the reported keys that are entries. */
  private void onRedisChanged(List<byte[]> redisKeys) {
    if (redisKeys == null) {
      lost("Redis reported a flush (FLUSHDB or FLUSHALL)");
      return;
    }
    // Keyed by origin, then namespace: this tier's own changes are Redis's reports too (see LocalWrites).
    Map<String, Map<String, List<String>>> byOrigin = new LinkedHashMap<>();
    for (byte[] redisKey : redisKeys) {
      KeyLayout.Entry entry = link.layout.entryOf(redisKey);
      if (entry != null) {
        String ours = link.localWrites.claim(redisKey);
        String origin = ours != null ? ours : REDIS_ORIGIN;
        if (ours == null) {
          changedInRedis.increment();
        }
        byOrigin.computeIfAbsent(origin, o -> new LinkedHashMap<>())
            .computeIfAbsent(entry.namespace(), n -> new ArrayList<>())
            .add(entry.key());
      }
    }
    byOrigin.forEach(
        (origin, byNamespace) ->
            byNamespace.forEach((namespace, keys) -> deliver(InvalidationEvent.ofKeys(namespace, keys, origin))));
  }

  // ---- the log

  /** Reads every shard's log from its position: after a reconnect, a recovery, and periodically. */
  private void reconcile() {
    if (closed || link.isClosed() || link.breaker.isOpen()) {
      return;
    }
    try {
      if (pubSub == null) {
        subscribe();
      }
    } catch (RuntimeException e) {
      LOG.debug("invalidation channel still unavailable; following the log by polling", e);
    }
    ensureTracking(false);
    link.localWrites.expire();
    for (Position p : positions) {
      if (!p.known) {
        initialize(p, true);
        continue;
      }
      StreamMessage<byte[], byte[]> latest = latest(p.shard);
      if (latest == null) {
        if (p.seq > 0) {
          lost("the invalidation log of shard " + p.shard + " is gone (Redis restarted or the log was deleted)");
          p.reset(0, StreamId.ZERO);
        }
      } else {
        StreamId id = StreamId.parse(latest.getId());
        if (id.isAfter(p.id)) {
          readLog(p);
        } else if (p.id.isAfter(id)) {
          lost("the invalidation log of shard " + p.shard + " restarted behind this node's position");
          p.reset(seqOf(latest), id);
        }
      }
    }
    if (link.takeDiverged()) {
      lost("this node's writes to Redis failed or were skipped while it was unavailable");
    }
    recordFailedPublishes();
  }

  /**
   * Sets the position to the log's newest record. After the first start, an unknown position
   * means changes may have been missed, so subscribers are told.
   */
  private void initialize(Position p, boolean afterStart) {
    StreamMessage<byte[], byte[]> latest = latest(p.shard);
    if (latest == null) {
      p.reset(0, StreamId.ZERO);
    } else {
      p.reset(seqOf(latest), StreamId.parse(latest.getId()));
    }
    if (afterStart) {
      lost("the invalidation log position of shard " + p.shard + " was unknown");
    }
  }

  private StreamMessage<byte[], byte[]> latest(int shard) {
    List<StreamMessage<byte[], byte[]>> last =
        link.await(link.commands().xrevrange(link.layout.logKey(shard), Range.unbounded(), Limit.from(1)));
    return last.isEmpty() ? null : last.get(0);
  }

  /**
   * Delivers the log's records after the position. A record that is not the next number means
   * the log was trimmed past this node or restarted: subscribers are told, then reading goes on.
   */
  private void readLog(Position p) {
    while (true) {
      StreamId from = new StreamId(p.id.millis(), p.id.sequence() + 1);
      List<StreamMessage<byte[], byte[]>> batch =
          link.await(
              link.commands().xrange(
                  link.layout.logKey(p.shard),
                  Range.create(from.toString(), "+"),
                  Limit.from(READ_BATCH)));
      for (StreamMessage<byte[], byte[]> entry : batch) {
        long seq = seqOf(entry);
        if (seq != p.seq + 1) {
          lost("invalidation log shard " + p.shard + " jumped from " + p.seq + " to " + seq
              + " (trimmed past this node, or restarted)");
        }
        p.advance(seq, StreamId.parse(entry.getId()));
        readFromLog.increment();
        byte[] record = field(entry.getBody(), FIELD_RECORD);
        if (record != null) {
          try {
            deliverRemote(InvalidationRecord.decode(record, 0));
          } catch (RuntimeException e) {
            LOG.debug("skipping an unreadable invalidation record {}", entry.getId());
          }
        }
      }
      if (batch.size() < READ_BATCH) {
        return;
      }
    }
  }

  private static long seqOf(StreamMessage<byte[], byte[]> entry) {
    byte[] seq = field(entry.getBody(), FIELD_SEQ);
    return seq == null ? -1 : Long.parseLong(new String(seq, StandardCharsets.US_ASCII));
  }

  /** Lettuce returns stream fields in a map keyed by byte arrays, which compare by identity. */
  private static byte[] field(Map<byte[], byte[]> body, byte[] name) {
    for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
      if (Arrays.equals(e.getKey(), name)) {
        return e.getValue();
      }
    }
    return null;
  }

  // ---- delivery

  /** Every cache gets every record; each ignores its own origin (see the class comment). */
  private void deliverRemote(InvalidationEvent event) {
    deliver(event);
  }

  private void deliver(InvalidationEvent event) {
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(event);
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on {}", listener, event, e);
      }
    }
    delivered.increment();
  }

  /**
   * Notes that events may have been missed; subscribers are told once, when the current bus task
   * ends ({@link #flushLost}), however many shards found a gap in it.
   */
  private void lost(String why) {
    if (lostReason == null) {
      lostReason = why;
    }
  }

  /**
   * Ends every bus task: subscribers hear of a loss first, then the fences move, so that a fill
   * (see {@link RedisTierStore}) is never checked against records its cache was not handed, or
   * against a loss it was not told of yet.
   */
  private void endTask() {
    try {
      flushLost();
    } finally {
      publishFences();
    }
  }

  private void publishFences() {
    for (Position p : positions) {
      link.setFence(p.shard, p.known ? p.seq : -1);
    }
  }

  private void flushLost() {
    String why = lostReason;
    if (why == null) {
      return;
    }
    lostReason = null;
    LOG.warn("invalidations may have been missed: {}; clearing in-process entries of shared namespaces", why);
    for (InvalidationListener listener : listeners) {
      try {
        listener.onEventsPossiblyLost();
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on events lost", listener, e);
      }
    }
    // Counted once the listeners have cleared their copies, so the count means "handled".
    possiblyLost.increment();
  }

  @Override
  public String toString() {
    return "RedisInvalidationBus[" + link.description + ", node=" + link.nodeId + ", shards=" + positions.length
        + ", listeners=" + listeners.size() + "]";
  }

  /** Where this node is in one log shard. Touched only on the bus thread. */
  private static final class Position {
    final int shard;
    boolean known;
    long seq;
    StreamId id = StreamId.ZERO;

    Position(int shard) {
      this.shard = shard;
    }

    void advance(long seq, StreamId id) {
      this.seq = seq;
      this.id = id;
    }

    void reset(long seq, StreamId id) {
      this.known = true;
      this.seq = seq;
      this.id = id;
    }
  }
}
