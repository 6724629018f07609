package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.InvalidationListener;
import dev.hotpath.cache.Subscription;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invalidation bus between nodes that share a {@link RedisTier}: reliable, not best-effort.
 * Obtain it from {@link RedisTier#invalidationBus()} and give it to the cache:
 *
 * <pre>{@code
 * RedisTier redis = RedisTier.builder().uri("redis://cache:6379").keyPrefix("md").build();
 * TieredCache cache = TieredCache.builder()
 *     .tier(redis)                 // brings its invalidation bus: no .invalidationBus(...) needed
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
 * in-process entries of its namespaces that cross nodes (not those kept in process only, which
 * the log never carries). A node's own changes that Redis did not see (the
 * circuit was open, or the write failed) are recorded once Redis answers, before the node reads
 * from Redis again (see {@link RedisTier}), so other nodes read them from the log like any other.
 *
 * <p><b>Atomicity.</b> For namespaces stored in the Redis tier, the tier's write script records the
 * invalidation in the same atomic step as the change itself, so {@link #publish} only delivers the
 * event to this JVM's other subscribers: there is no window in which Redis changed and the record
 * is missing, and no second round trip. Events of other namespaces that cross nodes (a
 * PostgreSQL-only namespace, or an L1-only one built with {@code
 * NamespaceSpec.Builder#crossNodeInvalidation()}) are recorded by {@link #publish} itself: one
 * script per change. The cache hands the changes of any other namespace to {@link
 * #publishLocally}, which costs Redis nothing and reaches this JVM's subscribers only.
 *
 * <p><b>Bounded.</b> Channel messages, Redis's reports and this JVM's published events wait for the
 * bus thread in an inbox of at most 10,000 items; {@link #publish} and {@link #publishLocally} never
 * wait for a listener or for Redis. What does not fit is dropped and made up for: a channel
 * message or a {@link #publish}ed event is in the log, which the bus then reads (no loss); an
 * event given to {@link #publishLocally} is replaced by one whole-namespace event of its namespace
 * and origin; a report of Redis's tells the subscribers that events of the tracked namespaces may
 * have been lost. A listener that blocks still holds the bus thread, and with it delivery, the
 * log reading and the circuit's probe: listeners must return quickly.
 *
 * <p><b>Origins.</b> A record carries the id of the cache (node) that made the change ({@code
 * NamespaceContext#nodeId()}), not the tier's: several caches of one JVM may share one tier and this
 * bus. Every record is delivered to every subscriber, and each cache ignores events of its own
 * origin, as with any {@link InvalidationBus}. Another cache of the same JVM thus gets a change
 * twice, from {@link #publish} and from the log shortly after; the second costs at most one extra
 * miss. Events are delivered on one background thread, in log order per log shard.
 *
 * <p><b>Changes made in Redis by other programs.</b> For the namespaces given to {@link
 * RedisTier.Builder#trackRedisChanges} (none by default; standalone or Sentinel), the bus also asks
 * Redis to report every change to their keys made by any other connection ({@code CLIENT TRACKING
 * ... BCAST PREFIX <prefix><namespace>: NOLOOP}, sent to this bus's channel connection): a DEL, SET,
 * EXPIRE, expiry or eviction by anyone reaches the subscribers as an event of origin {@link
 * #REDIS_ORIGIN}, and a FLUSHDB or FLUSHALL as {@link
 * InvalidationListener#onEventsPossiblyLost(Set)} of those namespaces. Redis reports this tier's own changes as well:
 * {@code NOLOOP} only hides commands the command connection runs itself, and the tier changes
 * entries inside scripts, which Redis attributes to its script client. So the tier registers each
 * key before its script is sent, and the bus gives a report of such a key the origin of the cache
 * that changed it, which ignores it (see {@code LocalWrites} for the short window this leaves).
 * Redis reports changes by other Hotpath nodes too, so those arrive twice (the log and the report),
 * unordered; that only ever costs an extra miss. Tracking ends when either connection reconnects;
 * the bus checks it on every reconcile, re-enables it and, since changes in between went
 * unreported, tells the subscribers that events of the tracked namespaces may have been lost (the
 * log covers every other namespace, so a reconnect costs them nothing). See {@link RedisTier} for
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

  // The bus is this class and six parts, each with one job; this class starts them, runs them on
  // the tier's background thread (the bus thread) and holds the channel connection they share:
  //   BusInbox            the bounded queue of work for the bus thread; what overflowing it costs
  //   BusSubscribers      the listeners: delivery, and telling them once per task of a loss
  //   LogFollower         this node's position in each log shard; reads the log, moves the fences
  //   InvalidationChannel opens the channel connection; hands its messages and pushes over
  //   ClientTracking      keeps Redis client tracking on; turns Redis's reports into events
  //   PublishRecorder     records published events no tier script recorded (failed ones: UnsentChanges)

  private final RedisLink link;
  private final long reconcileIntervalNanos;
  private final BusSubscribers subscribers = new BusSubscribers();
  private final LogFollower log;
  private final ClientTracking tracking;
  private final PublishRecorder recorder;
  private final InvalidationChannel channel;
  private final BusInbox inbox;
  /** Channel messages were dropped from the inbox: the log must be read. */
  private volatile boolean catchUpNeeded;
  /** Redis's reports of changed keys were dropped from the inbox. */
  private volatile boolean reportsDropped;
  /** Namespaces and origins of {@link #publishLocally} events dropped from the inbox. */
  private final Set<Dropped> droppedLocally = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;
  /**
   * The subscribed channel connection, or null until {@link #subscribeChannel} made one.
   * RedisTrackingTest reads this field and {@code link} by reflection.
   */
  private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubSub;

  /** @param inboxCapacity how much work may wait for the bus thread (see {@link BusInbox}) */
  RedisInvalidationBus(RedisLink link, long reconcileIntervalNanos, int inboxCapacity) {
    this.link = link;
    this.reconcileIntervalNanos = reconcileIntervalNanos;
    this.log = new LogFollower(link, subscribers);
    this.tracking = new ClientTracking(link, subscribers);
    this.recorder = new PublishRecorder(link);
    this.inbox = new BusInbox(inboxCapacity, link.background, this::runTask, this::afterOverflow);
    this.channel =
        new InvalidationChannel(
            link,
            // A dropped message is in the log: read it from there.
            message -> inbox.offer(() -> log.onMessage(message), () -> catchUpNeeded = true),
            keys -> inbox.offer(() -> tracking.onRedisChanged(keys), () -> reportsDropped = true),
            () -> runInBackground(this::reconcile));
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
              log.start();
              subscribeChannel();
              ensureTracking(true);
            } finally {
              log.publishFences();
            }
          }).get(link.timeoutNanos * (log.shards() + 2L), TimeUnit.NANOSECONDS);
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
   * Queues {@code event} for this JVM's subscribers (delivered on the bus thread) and, unless the
   * Redis tier recorded it already as part of the change, records it in the log for other nodes.
   * Waits for neither: never blocks on a listener or on Redis, and never throws for Redis
   * failures (they are counted). When the bus thread's inbox is full the local delivery is dropped:
   * the event is in the log, which delivers it to this JVM's subscribers as well.
   *
   * @throws NullPointerException if {@code event} is null
   */
  @Override
  public void publish(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed) {
      return;
    }
    inbox.offer(() -> subscribers.deliver(event), () -> {});
    recorder.record(event);
  }

  /**
   * Queues {@code event} for this JVM's subscribers only: no Redis command. When the bus thread's
   * inbox is full the event is dropped, and the subscribers later receive one whole-namespace event
   * of its namespace and origin instead (the cache that made the change keeps its copies).
   *
   * @throws NullPointerException if {@code event} is null
   */
  @Override
  public void publishLocally(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    if (closed) {
      return;
    }
    inbox.offer(
        () -> subscribers.deliver(event), () -> droppedLocally.add(new Dropped(event.namespace(), event.origin())));
  }

  /**
   * Adds a subscriber. It receives other nodes' events and this JVM's published ones on the bus's
   * thread, {@link InvalidationListener#onEventsPossiblyLost()} when the log could not cover a gap,
   * and {@link InvalidationListener#onEventsPossiblyLost(Set)} when Redis may not have reported
   * changes of the tracked namespaces.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  @Override
  public Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener");
    return subscribers.add(listener);
  }

  /** Stops delivery and closes the bus's channel connection. Idempotent; never throws. */
  @Override
  public void close() {
    closed = true;
    subscribers.clear();
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
        channel.received(),
        subscribers.delivered(),
        log.readFromLog(),
        subscribers.possiblyLost(),
        recorder.failures(),
        tracking.changedInRedis(),
        tracking.timesEnabled(),
        inbox.dropped());
  }

  /**
   * @param changedInRedis entry keys Redis reported changed by another connection (client tracking)
   * @param trackingEnabled times client tracking was switched on (at start and after reconnects)
   * @param inboxDropped channel messages, Redis's reports and published events dropped because the
   *     bus thread's inbox was full (see {@link BusInbox})
   */
  record RedisBusCounters(
      long received,
      long delivered,
      long readFromLog,
      long possiblyLost,
      long publishFailures,
      long changedInRedis,
      long trackingEnabled,
      long inboxDropped) {}

  /** See {@link ClientTracking#refusesTrackingForGood}; kept here for the tests that ask the bus. */
  static boolean refusesTrackingForGood(String message) {
    return ClientTracking.refusesTrackingForGood(message);
  }

  // ---- the bus thread

  /** Opens and subscribes the channel connection unless there is one; bus thread. */
  private void subscribeChannel() {
    if (closed || pubSub != null) {
      return;
    }
    StatefulRedisPubSubConnection<byte[], byte[]> c = channel.open();
    pubSub = c;
    // close() may have run while this connected; it closed only what it saw in pubSub.
    if (closed) {
      pubSub = null;
      c.closeAsync();
    }
  }

  private void ensureTracking(boolean atStart) {
    StatefulRedisPubSubConnection<byte[], byte[]> c = pubSub;
    if (!closed) {
      tracking.ensure(c, atStart);
    }
  }

  /** For rare work (a reconnect, a recovery); the frequent kinds go through the bounded {@link #inbox}. */
  private void runInBackground(Runnable task) {
    if (closed) {
      return;
    }
    try {
      link.background.execute(() -> runTask(task));
    } catch (RejectedExecutionException e) {
      // The tier is closing.
    }
  }

  /** Runs one bus task on the bus thread. */
  private void runTask(Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      // Positions are unchanged: the next check reads the log from where this stopped.
      LOG.debug("invalidation bus task failed; retrying on the next check", e);
    } finally {
      endTask();
    }
  }

  /** Makes up for what the inbox dropped; bus thread, after a drain. */
  private void afterOverflow() {
    if (catchUpNeeded) {
      catchUpNeeded = false;
      LOG.debug("invalidation messages arrived faster than the bus could take them; reading the log");
      if (!link.breaker.isOpen()) {
        log.catchUp(); // else the reconcile after the recovery reads it
      }
    }
    if (reportsDropped) {
      reportsDropped = false;
      tracking.reportsDropped();
    }
    for (Dropped d : Set.copyOf(droppedLocally)) {
      droppedLocally.remove(d);
      subscribers.deliver(InvalidationEvent.ofNamespace(d.namespace(), d.origin()));
    }
  }

  /** A namespace and the origin of a dropped event. */
  private record Dropped(String namespace, String origin) {}

  /**
   * Catches up with everything the fast paths may have missed: after a reconnect, a recovery, and
   * every {@code reconcileInterval}. Resubscribes the channel, switches tracking on again, reads
   * every shard's log from its position, and resends the changes Redis has not seen.
   */
  private void reconcile() {
    if (closed || link.isClosed() || link.breaker.isOpen()) {
      return;
    }
    try {
      if (pubSub == null) {
        subscribeChannel();
      }
    } catch (RuntimeException e) {
      LOG.debug("invalidation channel still unavailable; following the log by polling", e);
    }
    ensureTracking(false);
    link.localWrites.expire();
    log.catchUp();
    // Changes whose write failed while the circuit stayed closed; an outage's are resent by the probe.
    link.unsent.resendAll();
  }

  /**
   * Ends every bus task: subscribers hear of a loss first, then the fences move, so that a fill
   * (see {@link RedisTierStore}) is never checked against records its cache was not handed, or
   * against a loss it was not told of yet.
   */
  private void endTask() {
    try {
      subscribers.flushLost();
    } finally {
      log.publishFences();
    }
  }

  @Override
  public String toString() {
    return "RedisInvalidationBus[" + link.description + ", node=" + link.nodeId + ", shards=" + log.shards()
        + ", listeners=" + subscribers.size() + "]";
  }
}
