package dev.hotpath.ratelimit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process {@link RateLimiter}: lock-free, exact integer arithmetic, and for single-bandwidth
 * limits one compare-and-set and no allocation per {@link #tryConsume} (the
 * {@link #tryAcquire} decision is one small object).
 *
 * <p>Buckets live in a map by key. A bucket that has refilled completely is indistinguishable from
 * no bucket, so housekeeping removes full buckets: memory is bounded by the keys active within the
 * longest refill time, however many keys come and go. Housekeeping runs on the scheduler after
 * enough new keys (amortised), or on demand with {@link #cleanUp()}.
 *
 * <p>Needs neither Lettuce nor Redis. Thread-safe.
 */
public final class LocalRateLimiter extends BaseRateLimiter {

  /** New keys between two housekeeping passes: at least this, at most the live key count. */
  private static final long MIN_INSERTS_PER_CLEAN_UP = 4_096;

  private final ConcurrentHashMap<String, LocalBucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong insertsSinceCleanUp = new AtomicLong();
  private final AtomicBoolean cleaning = new AtomicBoolean();
  private volatile long cleanUpEvery = MIN_INSERTS_PER_CLEAN_UP;
  /** New buckets start empty rather than full (a fail-open fallback; see {@link FallbackShare}). */
  private final boolean startEmpty;

  private LocalRateLimiter(Builder builder) {
    super(builder);
    this.startEmpty = builder.startEmpty;
  }

  /** Adds {@code hotpath.ratelimiter.buckets{name}}: the keys that have a bucket. */
  @Override
  void bindMore(MeterRegistry registry, Tags tags, Recorder.Counting counting) {
    Gauge.builder("hotpath.ratelimiter.buckets", this, LocalRateLimiter::bucketCount).tags(tags)
        .description("Keys with a bucket (full ones until housekeeping removes them)").register(registry);
  }

  /** A new builder; {@code name} and {@code limit} or {@code plans} are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  long reserve(String key, RateLimit limit, long permits, long maxWaitNanos, NanoClock clock) {
    for (;;) {
      long result = bucket(key, limit).reserve(permits, maxWaitNanos, clock);
      if (result != LocalBucket.GONE) {
        return result;
      }
      Thread.onSpinWait(); // the bucket is being replaced inside the map's compute: nanoseconds
    }
  }

  @Override
  RateLimitDecision decide(String key, RateLimit limit, long permits) {
    for (;;) {
      LocalBucket bucket = bucket(key, limit);
      long result = bucket.reserve(permits, 0, clock);
      if (result != LocalBucket.GONE) {
        return bucket.describe(result, clock.nanos());
      }
      Thread.onSpinWait();
    }
  }

  @Override
  void sync(String key, RateLimit limit, int index, long used) {
    while (!bucket(key, limit).sync(index, used, clock.nanos())) {
      Thread.onSpinWait();
    }
  }

  /**
   * A handle on {@code key} that holds the key's bucket: a call is one compare-and-set on it, after
   * checking that the limits were not replaced since it looked the bucket up (one read). No map
   * lookup, no limit resolution and, for single-bandwidth limits, no allocation per
   * {@link KeyLimiter#tryConsume}. When housekeeping retires the bucket, or a limit change moves the
   * key to a new one, the handle sees the old bucket retired on its next call and looks the key up
   * again, so it and the keyed calls always share the map's one bucket. A new {@link #replaceLimit}
   * or {@link #replacePlans} reaches the handle on its next call.
   *
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if the key is over {@link #MAX_KEY_BYTES}
   */
  @Override
  public KeyLimiter forKey(String key) {
    checkKey(key);
    return new LocalKeyLimiter(this, key);
  }

  /** The key's live bucket under {@code limit}: the one in the map, created or moved if need be. */
  LocalBucket bucket(String key, RateLimit limit) {
    LocalBucket bucket = buckets.get(key);
    if (bucket != null && bucket.limit == limit) {
      return bucket;
    }
    return createOrMove(key, limit);
  }

  private LocalBucket createOrMove(String key, RateLimit limit) {
    boolean[] created = new boolean[1];
    LocalBucket bucket = buckets.compute(key, (k, current) -> {
      if (current == null) {
        created[0] = true;
        return startEmpty ? LocalBucket.createEmpty(limit, clock.nanos()) : LocalBucket.create(limit);
      }
      return current.limit == limit ? current : current.moveTo(limit, clock.nanos());
    });
    if (created[0] && insertsSinceCleanUp.incrementAndGet() >= cleanUpEvery && cleaning.compareAndSet(false, true)) {
      try {
        scheduler.execute(this::scheduledCleanUp);
      } catch (RejectedExecutionException e) {
        scheduledCleanUp(); // the host shut its scheduler down: clean here rather than grow
      }
    }
    return bucket;
  }

  private void scheduledCleanUp() {
    try {
      cleanUp();
    } finally {
      insertsSinceCleanUp.set(0);
      cleanUpEvery = Math.max(MIN_INSERTS_PER_CLEAN_UP, buckets.size());
      cleaning.set(false);
    }
  }

  /**
   * Removes the buckets that are full now (they hold no information). Safe to call at any time
   * from any thread; runs in time proportional to the number of keys.
   */
  public void cleanUp() {
    retireFull();
  }

  /** {@link #cleanUp()}; returns the number of buckets it retired. */
  int retireFull() {
    long now = clock.nanos();
    int[] retired = new int[1];
    for (Map.Entry<String, LocalBucket> entry : buckets.entrySet()) {
      if (entry.getValue().isFull(now)) {
        buckets.computeIfPresent(entry.getKey(), (k, bucket) -> {
          if (bucket.killIfFull(now)) {
            retired[0]++;
            return null;
          }
          return bucket;
        });
      }
    }
    return retired[0];
  }

  /** The number of keys that have a bucket (approximate under concurrent change). */
  public long bucketCount() {
    return buckets.mappingCount();
  }

  /** Builds a {@link LocalRateLimiter}. Not thread-safe. */
  public static final class Builder extends RateLimiterBuilder<Builder> {
    boolean startEmpty;

    private Builder() {
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * @throws IllegalStateException if name, or both/neither of limit and plans, are missing
     */
    public LocalRateLimiter build() {
      return new LocalRateLimiter(this);
    }
  }
}
