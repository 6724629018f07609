package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis client tracking for the bus: keeps {@code CLIENT TRACKING ... BCAST PREFIX ... NOLOOP}
 * switched on for the tier's command connection, with one prefix per namespace that asked for it
 * ({@link RedisTier.Builder#trackRedisChanges}), redirected to the bus's channel connection, and
 * turns Redis's reports of changed keys into events. Every loss it notes is of those namespaces
 * only: the log covers the others. It exists apart from the bus because tracking is state of
 * two connections that reconnect independently: whether it is on, whether the server can ever do
 * it, and whether a report is of this tier's own change ({@link LocalWrites}) are questions of
 * their own, with their own failure rules.
 *
 * <p>Bus thread only, except {@link #changedInRedis()} and {@link #timesEnabled()}. Logs under the
 * bus's name.
 */
final class ClientTracking {
  private static final Logger LOG = LoggerFactory.getLogger(RedisInvalidationBus.class);

  private final RedisLink link;
  private final BusSubscribers subscribers;
  private final LongAdder changedInRedis = new LongAdder();
  private final LongAdder trackingEnabled = new LongAdder();
  /** The server or the channel connection cannot track; set once, on the bus thread. */
  private volatile boolean trackingUnavailable;
  /** Tracking was switched on and no attempt to switch it on again has failed since; bus thread only. */
  private boolean trackingOn;

  ClientTracking(RedisLink link, BusSubscribers subscribers) {
    this.link = link;
    this.subscribers = subscribers;
  }

  /** Entry keys Redis reported changed by another connection. */
  long changedInRedis() {
    return changedInRedis.sum();
  }

  /** Times tracking was switched on (at start and after reconnects). */
  long timesEnabled() {
    return trackingEnabled.sum();
  }

  /**
   * Makes the tier's command connection report changes to the tracked namespaces' keys to the
   * channel connection {@code channel}, unless it does already. A new command connection starts
   * without tracking and a new channel connection has a new id, so after either reconnects this
   * switches tracking on again and, past the start, notes that changes to those namespaces may have
   * gone unreported meanwhile. Does nothing without a channel connection or a tracked namespace.
   * Never throws.
   */
  void ensure(StatefulRedisPubSubConnection<byte[], byte[]> channel, boolean atStart) {
    if (link.trackedNamespaces.isEmpty() || trackingUnavailable || channel == null) {
      return;
    }
    long target;
    try {
      // Not through link.await: the channel connection being down is not the server being down.
      target = channel.async().clientId().toCompletableFuture().get(link.timeoutNanos, TimeUnit.NANOSECONDS);
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
                  .prefixes(StandardCharsets.UTF_8, prefixes())
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
      subscribers.lost("Redis client tracking was switched on again (a connection was re-established); changes "
          + "made in Redis meanwhile were not reported", link.trackedNamespaces);
    }
  }

  /**
   * One prefix per tracked namespace: {@code <prefix><namespace>:}. A namespace cannot contain
   * {@code ':'}, so none is another's prefix (Redis refuses overlapping prefixes).
   */
  private String[] prefixes() {
    return link.trackedNamespaces.stream()
        .sorted()
        .map(namespace -> link.layout.prefix() + namespace + ":")
        .toArray(String[]::new);
  }

  /** Redis's reports of changed keys were dropped (the bus's inbox was full): they cannot be read again. */
  void reportsDropped() {
    subscribers.lost("Redis's reports of changed keys arrived faster than the bus could take them",
        link.trackedNamespaces);
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
      subscribers.lost("Redis client tracking could not be switched on again (" + e.getMessage() + "); changes "
          + "made in Redis until it is were not reported", link.trackedNamespaces);
    }
  }

  private void trackingUnavailable(String why) {
    trackingUnavailable = true;
    LOG.info("{}: changes made in Redis by other programs are not reported to in-process copies ({}); "
        + "they live until their in-process TTL", link.description, why);
  }

  /**
   * Redis reported {@code redisKeys} changed (null: a flush): one event per origin and namespace
   * for the keys that are entries. A key this tier is changing itself gets the changing cache's
   * origin, so that cache ignores it (see {@link LocalWrites}); any other gets {@link
   * RedisInvalidationBus#REDIS_ORIGIN}.
   */
  void onRedisChanged(List<byte[]> redisKeys) {
    if (redisKeys == null) {
      // The flush also took the log, which the log follower notices for the other namespaces.
      subscribers.lost("Redis reported a flush (FLUSHDB or FLUSHALL)", link.trackedNamespaces);
      return;
    }
    // Keyed by origin, then namespace: this tier's own changes are Redis's reports too (see LocalWrites).
    Map<String, Map<String, List<String>>> byOrigin = new LinkedHashMap<>();
    for (byte[] redisKey : redisKeys) {
      KeyLayout.Entry entry = link.layout.entryOf(redisKey);
      if (entry != null) {
        String ours = link.localWrites.claim(redisKey);
        String origin = ours != null ? ours : RedisInvalidationBus.REDIS_ORIGIN;
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
            byNamespace.forEach(
                (namespace, keys) -> subscribers.deliver(InvalidationEvent.ofKeys(namespace, keys, origin))));
  }
}
