package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records in the log the published events that no tier script recorded: those of namespaces not
 * stored in Redis that still cross nodes (an L1-only or PostgreSQL-only namespace). When such a
 * record cannot be written (Redis down, circuit open), the event's keys join the tier's {@link
 * UnsentChanges} and are recorded once Redis answers, like the tier's own changes (past that
 * bound, as a whole-namespace record).
 *
 * <p>Thread-safe: {@link #record} runs on the publishing thread.
 */
final class PublishRecorder {
  private final RedisLink link;
  private final byte[] logLength;
  private final LongAdder publishFailures = new LongAdder();

  PublishRecorder(RedisLink link) {
    this.link = link;
    this.logLength = RedisTierStore.ascii(link.logLength);
  }

  /** Events that could not be recorded when published. */
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
    RecordOnly target = new RecordOnly(event.namespace(), event.origin());
    if (link.unsent.rememberIf(link.breaker::isOpen, target, event.keys(), event.isWholeNamespace())) {
      publishFailures.increment();
      return;
    }
    List<CompletableFuture<Object>> sent = new ArrayList<>();
    try {
      for (byte[] record : InvalidationRecord.encodeAll(event)) {
        sent.add(RedisTierStore.recordOnly(link, record, logLength));
      }
    } catch (RuntimeException e) {
      publishFailed(target, event);
      return;
    }
    link.async(CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]))).whenComplete((done, e) -> {
      if (e != null) {
        publishFailed(target, event);
      }
    });
  }

  private void publishFailed(RecordOnly target, InvalidationEvent event) {
    publishFailures.increment();
    link.rememberFailed(target, event.keys(), event.isWholeNamespace());
  }

  /**
   * A namespace as one cache changes it, with nothing in Redis but its records. Equal for equal
   * namespace and origin, so the changes of one pend together.
   */
  private final class RecordOnly implements UnsentChanges.Target {
    private final String namespace;
    private final String origin;

    RecordOnly(String namespace, String origin) {
      this.namespace = namespace;
      this.origin = origin;
    }

    @Override
    public String namespace() {
      return namespace;
    }

    @Override
    public void resend(Collection<String> keys, boolean wholeNamespace) {
      InvalidationEvent event = wholeNamespace
          ? InvalidationEvent.ofNamespace(namespace, origin)
          : InvalidationEvent.ofKeys(namespace, List.copyOf(keys), origin);
      List<CompletableFuture<Object>> sent = new ArrayList<>();
      for (byte[] record : InvalidationRecord.encodeAll(event)) {
        sent.add(RedisTierStore.recordOnly(link, record, logLength));
      }
      link.awaitAll(sent);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RecordOnly r && namespace.equals(r.namespace) && origin.equals(r.origin);
    }

    @Override
    public int hashCode() {
      return namespace.hashCode() * 31 + origin.hashCode();
    }

    @Override
    public String toString() {
      return "RecordOnly[" + namespace + ", from " + origin + "]";
    }
  }
}
