package dev.hotpath.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hotpath.testing.exchange.HttpExchangeSource;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder.BandwidthBuilderRefillStage;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link EngineBenchmark}'s baseline: the batch loader a user writes today without Hotpath. A
 * Caffeine {@code getAll} whose mapping function splits the missing keys into calls of the
 * source's {@code maxKeysPerCall}, runs them on a fixed thread pool, and makes each call take its
 * weight from a Bucket4j bucket (blocking) first. A failed call (a 429 or 418 included) is retried
 * after a fixed backoff, paying the bucket again, without reading {@code Retry-After}; after the
 * last attempt its keys are left out of the answer. Not thread-safe beyond what Caffeine gives.
 */
final class HandWiredBatches implements AutoCloseable {
  static final int MAX_ATTEMPTS = 3;
  static final Duration BACKOFF = Duration.ofMillis(100);

  /** How the Bucket4j bucket refills: both are what the Bucket4j documentation shows. */
  enum Refill {
    /** {@code capacity(limit).refillIntervally(limit, window)}: all permits at once, every window from the bucket's creation. */
    INTERVALLY,
    /** {@code capacity(limit).refillGreedy(limit, window)}: the documentation's first example. */
    GREEDY
  }

  private final Cache<String, String> cache;
  private final ExecutorService pool;
  private final Bucket bucket;
  private final HttpExchangeSource source;

  HandWiredBatches(HttpExchangeSource source, int threads, long limit, Duration window, Refill refill, long maximumSize,
      Duration ttl) {
    this.source = source;
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).expireAfterWrite(ttl).build();
    AtomicInteger count = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "baseline-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    BandwidthBuilderRefillStage capacity = Bandwidth.builder().capacity(limit);
    Bandwidth bandwidth = refill == Refill.INTERVALLY ? capacity.refillIntervally(limit, window).build()
        : capacity.refillGreedy(limit, window).build();
    this.bucket = Bucket.builder().addLimit(bandwidth).build();
  }

  Cache<String, String> cache() {
    return cache;
  }

  /** The values of {@code keys}: cached ones, and fetched ones; keys whose calls failed are absent. */
  Map<String, String> getAll(List<String> keys) {
    return cache.getAll(keys, this::load);
  }

  private Map<String, String> load(Set<? extends String> missing) {
    List<String> all = new ArrayList<>(missing);
    int perCall = source.maxKeysPerCall();
    List<Future<Map<String, String>>> calls = new ArrayList<>();
    for (int from = 0; from < all.size(); from += perCall) {
      List<String> chunk = List.copyOf(all.subList(from, Math.min(all.size(), from + perCall)));
      calls.add(pool.submit(() -> fetch(chunk)));
    }
    Map<String, String> values = new HashMap<>();
    try {
      for (Future<Map<String, String>> call : calls) {
        values.putAll(call.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    return values;
  }

  private Map<String, String> fetch(List<String> keys) throws InterruptedException {
    long weight = source.weight(keys);
    for (int attempt = 1; ; attempt++) {
      bucket.asBlocking().consume(weight);
      try {
        return source.fetch(keys).join().values();
      } catch (CompletionException e) {
        if (attempt >= MAX_ATTEMPTS) {
          return Map.of();
        }
        Thread.sleep(BACKOFF.toMillis());
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
