package dev.hotpath.engine;

import dev.hotpath.cache.Namespace;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimiter;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What {@link BatchEngine.Builder#build()} hands the engine: validated, with defaults filled in. */
final class EngineConfig<K, V> {
  Namespace<K, V> namespace;
  Source<K, V> source;
  NanoClock clock;
  Executor executor;
  ScheduledExecutorService scheduler;
  RateLimiter limiter;
  String limiterKey;
  Bandwidth usedWeightBandwidth;
  Concurrency concurrency;
  Retry retry;
  CircuitBreaker circuitBreaker;
  int[] queueCapacity;
  long defaultDeadlineNanos;
  long callTimeoutNanos;
  long drainTimeoutNanos;
}
