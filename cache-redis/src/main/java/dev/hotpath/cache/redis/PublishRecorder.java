package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records in the log the published events that no tier script recorded: those of namespaces not
 * stored in Redis (L1-only, PostgreSQL-only). When such a record cannot be written (Redis down,
 * circuit open), the event's keys are not kept; its namespace is remembered instead, and recorded
 * as a whole-namespace invalidation once Redis answers. It exists apart from the bus because that
 * promise ("other nodes hear of it eventually, if coarser") has state of its own that outlives an
 * outage.
 *
 * <p>Thread-safe: {@link #record} runs on the publishing thread, {@link #recordFailed} on the bus
 * thread.
 */
final class PublishRecorder {
  private final RedisLink link;
  private final byte[] logLength;
  private final LongAdder publishFailures = new LongAdder();
  /** Namespaces (not stored in Redis) whose events could not be recorded, with an origin; see {@link #publishFailed}. */
  private final Map<String, String> failedPublishes = new ConcurrentHashMap<>();

  PublishRecorder(RedisLink link) {
    this.link = link;
    this.logLength = RedisTierStore.ascii(link.logLength);
  }

  /** Events that could not be recorded. */
  long failures() {
    return publishFailures.sum();
  }

  /**
   * Records {@code event} in the log for other nodes, unless the Redis tier records its namespace
   * already as part of each change; asynchronously: does not wait for Redis. Never throws for
   * Redis failures; they are counted.
   */
  void record(InvalidationEvent event) {
    if (link.isRecorded(event.namespace())) {
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
   * whole once Redis answers again ({@link #recordFailed}), since the failed events' keys are not
   * kept.
   */
  private void publishFailed(InvalidationEvent event) {
    publishFailures.increment();
    failedPublishes.put(event.namespace(), event.origin());
  }

  /**
   * Records a whole-namespace invalidation for each namespace whose publish failed, with the
   * origin of its last failed event (that cache's copies are current). Runs on the bus thread,
   * from every reconcile, so also after a recovery; a namespace stays pending until recorded.
   *
   * @throws RuntimeException what Redis threw; the namespaces not recorded stay pending
   */
  void recordFailed() {
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
}
