package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of {@link RateLimiter} every backend shares: argument checks, limit lookup, metrics,
 * blocking and asynchronous waits. A backend supplies one primitive, {@link #reserve}: take the
 * permits if the wait for them is at most {@code maxWaitNanos}, and say how long that wait is.
 */
abstract class BaseRateLimiter implements RateLimiter {

  /** Longer waits are "forever"; the cap keeps reservation arithmetic far from overflow. */
  static final long MAX_WAIT_NANOS = Long.MAX_VALUE >> 2;

  /** Every meter of a limiter is named so, and tagged with the limiter's name. */
  static final String METER_PREFIX = "hotpath.ratelimiter.";
  static final String CALLS = METER_PREFIX + "calls";

  private static final Logger LOG = LoggerFactory.getLogger(BaseRateLimiter.class);

  final String name;
  final NanoClock clock;
  final ScheduledExecutorService scheduler;
  /** {@link Recorder#NOOP} until the first {@link #bindTo}; then {@link #counting}. */
  volatile Recorder recorder = Recorder.NOOP;
  volatile Limits limits;
  /** Guarded by this. */
  private Recorder.Counting counting;
  /**
   * Registries bound to, held weakly (a limiter may outlive a registry); guarded by this. A registry
   * is remembered only once its meters are registered, as the cache modules' {@code
   * BoundRegistries} does (this module does not depend on the cache, so it cannot share it); the
   * meters of a binding that failed are removed again.
   */
  private final Set<MeterRegistry> registries = Collections.newSetFromMap(new WeakHashMap<>());

  BaseRateLimiter(RateLimiterBuilder<?> builder) {
    builder.validate();
    this.name = builder.name;
    this.clock = builder.clockOrDefault();
    this.scheduler = builder.schedulerOrDefault();
    check(builder.limits);
    this.limits = builder.limits;
  }

  /** Rejects limits this backend cannot enforce exactly; called at build and on replacement. */
  void check(Limits limits) {
  }

  /**
   * Takes {@code permits} from {@code key}'s bucket if they are available within
   * {@code maxWaitNanos}.
   *
   * @param clock the limiter's clock, or a {@link Stamp} of it: "now" is read through it
   * @return the wait (0 or more) when taken, counted from the last reading of {@code clock} made by
   *     this call (from any instant after it returns if it made none); minus the wait that would be
   *     needed when refused
   */
  abstract long reserve(String key, RateLimit limit, long permits, long maxWaitNanos, NanoClock clock);

  /** {@link #reserve} on the limiter's clock, for callers that need no instant to count from. */
  final long reserve(String key, RateLimit limit, long permits, long maxWaitNanos) {
    return reserve(key, limit, permits, maxWaitNanos, clock);
  }

  /** {@link #reserve} without waiting, described for HTTP headers. */
  abstract RateLimitDecision decide(String key, RateLimit limit, long permits);

  /** Applies {@link #syncUsage} to bandwidth {@code index} of {@code limit}. */
  abstract void sync(String key, RateLimit limit, int index, long used);

  /** {@link #reserve} for {@link #acquireAsync}; backends with real I/O override it to not block. */
  CompletableFuture<Long> reserveAsync(String key, RateLimit limit, long permits, long maxWaitNanos) {
    return CompletableFuture.completedFuture(reserve(key, limit, permits, maxWaitNanos));
  }

  @Override
  public String name() {
    return name;
  }

  // Not final: javac gives the public subclasses a public bridge to it only then, and without one
  // reflection on LocalRateLimiter finds a method of this package-private class it cannot call.
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    Tags tags = Tags.of("name", name);
    if (!registries.add(registry)) {
      return; // bound before: Micrometer would hand back the same meters
    }
    boolean namesTaken = registry.find(CALLS).tags(tags).meter() != null;
    try {
      if (namesTaken) {
        LOG.warn("RateLimiter '{}': the registry already has meters named {}{} of another limiter of the same name;"
            + " Micrometer keeps those, so this limiter is not counted there. Give limiters distinct names.",
            name, CALLS, tags);
      }
      if (counting == null) {
        counting = new Recorder.Counting();
        recorder = counting;
      }
      Recorder.Counting c = counting;
      counter(registry, CALLS, tags.and("result", "permitted"), c.permitted, "Requests for permits that were granted");
      counter(registry, CALLS, tags.and("result", "rejected"), c.rejected, "Requests for permits refused: over the limit");
      counter(registry, CALLS, tags.and("result", "unavailable"), c.unavailable,
          "Requests for permits that could not be decided: the store failed and the down policy fails closed");
      FunctionTimer.builder("hotpath.ratelimiter.wait", c, r -> r.waits.sum(), r -> r.waitNanos.sum(), TimeUnit.NANOSECONDS)
          .tags(tags).description("Waits of granted reservations that had to wait").register(registry);
      bindMore(registry, tags, c);
    } catch (RuntimeException | Error e) {
      registries.remove(registry); // not bound: a later call tries again
      if (!namesTaken) {
        // Micrometer keeps the meters registered before the failure: the next call would find
        // them and warn of another limiter of this name.
        registry.getMeters().stream()
            .filter(m -> m.getId().getName().startsWith(METER_PREFIX) && name.equals(m.getId().getTag("name")))
            .toList()
            .forEach(registry::remove);
      }
      throw e;
    }
  }

  /** Registers a counter of {@code adder}, which the counting recorder holds (the meter holds it weakly). */
  static void counter(MeterRegistry registry, String meter, Tags tags, LongAdder adder, String description) {
    FunctionCounter.builder(meter, adder, LongAdder::sum).tags(tags).description(description).register(registry);
  }

  /** Registers the backend's own meters; called by {@link #bindTo} once per registry. */
  void bindMore(MeterRegistry registry, Tags tags, Recorder.Counting counting) {
  }

  final RateLimit limitFor(String key, long permits) {
    checkKey(key);
    RateLimit limit = limits.limitFor(key);
    if (permits <= 0 || permits > limit.capacity()) {
      throw badPermits(permits, limit);
    }
    return limit;
  }

  /**
   * A handle that names its key to the keyed methods: what a backend without a cheaper path per
   * key returns from {@link #forKey}. The key is checked here, once; the keyed methods check it
   * again per call, which costs a length read for any key a handle can hold.
   */
  @Override
  public KeyLimiter forKey(String key) {
    checkKey(key);
    return new KeyedCalls(this, key);
  }

  /**
   * Refuses a null key and one over {@link RateLimiter#MAX_KEY_BYTES} before it reaches a bucket
   * or Redis. A key of at most a third as many chars cannot be longer in UTF-8: no encoding then.
   */
  final void checkKey(String key) {
    requireNonNull(key, "key");
    if (key.length() > MAX_KEY_BYTES / 3) {
      int bytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_KEY_BYTES) {
        throw keyTooLong(key, bytes);
      }
    }
  }

  private IllegalArgumentException keyTooLong(String key, int bytes) {
    return new IllegalArgumentException("RateLimiter '" + name + "': key '" + key.substring(0, 32) + "…' is " + bytes
        + " bytes (UTF-8), over the " + MAX_KEY_BYTES + " a key may have; refused before reaching any bucket");
  }

  /** Out of line so the message building stays out of the hot path's compiled code. */
  final IllegalArgumentException badPermits(long permits, RateLimit limit) {
    return permits <= 0
        ? new IllegalArgumentException("permits must be positive: " + permits)
        : new IllegalArgumentException("permits " + permits + " exceed the capacity " + limit.capacity()
            + " of RateLimiter '" + name + "' " + limit + ": such a request can never succeed");
  }

  static long maxWaitNanos(Duration maxWait) {
    return Math.min(Checks.nonNegativeNanos("maxWait", maxWait), MAX_WAIT_NANOS);
  }

  @Override
  public RateLimitDecision tryAcquire(String key, long permits) {
    Recorder r = recorder; // read before the decision, as in tryConsume
    return recorded(r, decide(key, limitFor(key, permits), permits));
  }

  @Override
  public boolean tryConsume(String key, long permits) {
    // Read before the reservation: a volatile read after its compare-and-set could only start once
    // the compare-and-set is done, and would add its latency to every call. A call racing the
    // first bindTo is counted or not either way.
    Recorder r = recorder;
    return consumed(r, reserve(key, limitFor(key, permits), permits, 0));
  }

  @Override
  public void acquire(String key, long permits, Duration maxWait) throws InterruptedException {
    long max = maxWaitNanos(maxWait);
    // The wait counts from the reading the reservation used, not from a reading taken now: the
    // time spent since (compare-and-set retries, metrics, preemption) would be slept on top.
    Stamp reservedAt = new Stamp(clock);
    waitOut(reservedAt, reserve(key, limitFor(key, permits), permits, max, reservedAt), permits, max);
  }

  @Override
  public CompletableFuture<Void> acquireAsync(String key, long permits, Duration maxWait) {
    long max = maxWaitNanos(maxWait);
    RateLimit limit = limitFor(key, permits);
    return slotAfter(reserveAsync(key, limit, permits, max), permits, max);
  }

  // The outcome of a request, shared by the keyed methods and the handles of LocalRateLimiter, so
  // both count and wait alike. The recorder is read by the caller before the reservation.

  static RateLimitDecision recorded(Recorder r, RateLimitDecision decision) {
    if (decision.allowed()) {
      r.permitted();
    } else {
      r.rejected();
    }
    return decision;
  }

  /** A {@code tryConsume} outcome: {@code result} is a {@link #reserve} result with no wait allowed. */
  static boolean consumed(Recorder r, long result) {
    if (result == 0) {
      r.permitted();
      return true;
    }
    r.rejected();
    return false;
  }

  /** Parks until the slot of a reservation made on {@code reservedAt}, or throws if it was refused. */
  final void waitOut(Stamp reservedAt, long result, long permits, long maxWaitNanos) throws InterruptedException {
    long wait = granted(result, permits, maxWaitNanos);
    if (wait > 0) {
      clock.sleepUntil(reservedAt.last() + wait);
    }
  }

  /** A future that completes at the slot of {@code reservation}, or fails if it was refused. */
  final CompletableFuture<Void> slotAfter(CompletableFuture<Long> reservation, long permits, long maxWaitNanos) {
    return reservation.thenCompose(result -> {
      long wait = granted(result, permits, maxWaitNanos);
      if (wait == 0) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> slot = new CompletableFuture<>();
      scheduler.schedule(() -> slot.complete(null), wait, TimeUnit.NANOSECONDS);
      return slot;
    });
  }

  /** Records a reservation's outcome; returns its wait, or throws when it was refused. */
  private long granted(long result, long permits, long maxWaitNanos) {
    Recorder r = recorder;
    if (result < 0) {
      r.rejected();
      throw RateLimitExceededException.waitTooLong(name, permits, -result, maxWaitNanos);
    }
    r.permitted();
    if (result > 0) {
      r.waited(result);
    }
    return result;
  }

  @Override
  public void syncUsage(String key, String bandwidthId, long used) {
    checkKey(key);
    requireNonNull(bandwidthId, "bandwidthId");
    if (used < 0) {
      throw new IllegalArgumentException("used must not be negative: " + used);
    }
    RateLimit limit = limits.limitFor(key);
    int index = limit.indexOf(bandwidthId);
    if (index < 0) {
      throw new IllegalArgumentException("no bandwidth with id '" + bandwidthId + "' in " + limit);
    }
    sync(key, limit, index, used);
  }

  @Override
  public void replaceLimit(RateLimit limit) {
    replace(Limits.of(requireNonNull(limit, "limit")));
  }

  @Override
  public void replacePlans(TenantPlans plans) {
    replace(Limits.of(requireNonNull(plans, "plans")));
  }

  void replace(Limits replacement) {
    check(replacement);
    this.limits = replacement;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + ", " + limits + "]";
  }

  /**
   * A handle that calls the keyed methods with its key: exact by construction (it is the keyed
   * path), and as fast as it.
   */
  static final class KeyedCalls implements KeyLimiter {
    private final RateLimiter limiter;
    private final String key;

    KeyedCalls(RateLimiter limiter, String key) {
      this.limiter = limiter;
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public RateLimitDecision tryAcquire(long permits) {
      return limiter.tryAcquire(key, permits);
    }

    @Override
    public boolean tryConsume(long permits) {
      return limiter.tryConsume(key, permits);
    }

    @Override
    public void acquire(long permits, Duration maxWait) throws InterruptedException {
      limiter.acquire(key, permits, maxWait);
    }

    @Override
    public CompletableFuture<Void> acquireAsync(long permits, Duration maxWait) {
      return limiter.acquireAsync(key, permits, maxWait);
    }

    @Override
    public String toString() {
      return limiter.name() + "[" + key + "]";
    }
  }

  /**
   * The limiter's clock, remembering its last reading: how {@link #acquire} learns the instant a
   * reservation's wait counts from without a second return value on the allocation-free path.
   * Used by one thread (the acquiring one), so plain fields.
   */
  static final class Stamp implements NanoClock {
    private final NanoClock clock;
    private long last;
    private boolean read;

    Stamp(NanoClock clock) {
      this.clock = clock;
    }

    @Override
    public long nanos() {
      last = clock.nanos();
      read = true;
      return last;
    }

    /** The last reading; if there was none, a new one: later, so a sleep never ends early. */
    long last() {
      return read ? last : nanos();
    }

    @Override
    public void sleepUntil(long deadlineNanos) throws InterruptedException {
      clock.sleepUntil(deadlineNanos);
    }
  }
}
