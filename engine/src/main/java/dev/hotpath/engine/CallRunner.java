package dev.hotpath.engine;

import dev.hotpath.ratelimit.RateLimitExceededException;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The call side of the engine: the priority queues, the bulkhead, the circuit breaker, the pause
 * after a refusal, and each call's way through quota, source, retries and reply.
 *
 * <p>A queued call is dispatched when a slot of the concurrency limit is free, the source is not
 * paused, and the breaker lets it through; it then holds its slot while it waits for its weight
 * from the rate limiter (no longer than the latest deadline of its batches) and while it is in
 * flight. A refusal (429/418) pauses every call to the source until its {@code Retry-After} and
 * puts the call back at the head of its queue; a rate limiter that cannot decide until a given
 * time (its store away) stops dispatching until then, the same way; other failures are retried
 * with backoff while the deadline allows, and a multi-key call that fails for a reason retries
 * cannot fix is split in halves, so one bad key fails alone. State is guarded by the engine's lock.
 */
final class CallRunner<K, V> {

  private final EngineCore<K, V> core;
  private final Source<K, V> source;
  final QuotaGate quota;
  private final Retry retry;
  private final long callTimeoutNanos;
  private final CallQueue<K> queue = new CallQueue<>();
  private final ConcurrencyLimit limit;
  private final Breaker breaker;
  private final Set<Call<K>> inFlight = Collections.newSetFromMap(new IdentityHashMap<>());
  private volatile int slotsInUse;
  private volatile int currentLimit;
  /** After a refusal (429/418): no call is dispatched or sent. */
  private final Pause refusalPause = new Pause();
  /**
   * While the rate limiter cannot decide: no call is dispatched, but one already granted its
   * weight is still sent.
   */
  private final Pause limiterPause = new Pause();
  private static final long REFUSAL_PAUSE_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long REFUSAL_PAUSE_CEILING_NANOS = TimeUnit.SECONDS.toNanos(10);
  private ScheduledFuture<?> wake;
  private boolean stopped;

  CallRunner(EngineCore<K, V> core, EngineConfig<K, V> config) {
    this.core = core;
    this.source = config.source;
    this.quota = new QuotaGate(config.limiter, config.limiterKey, config.usedWeightBandwidth, config.clock);
    this.retry = config.retry;
    this.callTimeoutNanos = config.callTimeoutNanos;
    this.limit = new ConcurrencyLimit(config.concurrency);
    this.breaker = new Breaker(config.circuitBreaker);
    this.currentLimit = limit.current();
  }

  // ---- queue (under the lock)

  void enqueue(Call<K> call) {
    queue.addLast(call);
  }

  void promote(Call<K> call, Priority priority) {
    queue.promote(call, priority);
  }

  /** Takes a key nobody waits for out of a queued call; a call left empty is dropped. */
  void dropKey(Call<K> call, K key) {
    call.keys.remove(key);
    if (call.keys.isEmpty()) {
      queue.remove(call);
      call.state = Call.State.DONE;
    }
  }

  /** Starts queued calls while slots are free, the source is not paused and the breaker allows. */
  void dispatch(List<Runnable> after) {
    if (stopped) {
      return;
    }
    long now = core.clock.nanos();
    while (slotsInUse < limit.current()) {
      long paused = Math.max(refusalPause.remaining(now), limiterPause.remaining(now));
      if (paused > 0) {
        scheduleWake(paused);
        return;
      }
      Call<K> call = queue.poll();
      if (call == null) {
        return;
      }
      long deadline = core.table.latestDeadline(call);
      if (deadline == Long.MIN_VALUE || deadline - now <= 0) {
        settleAll(call, ItemFailure.of(FailureKind.TIMED_OUT,
            "the batch's deadline passed before source '" + core.name + "' could be called"), after);
        continue;
      }
      Breaker.Permit permit = breaker.tryAcquire(now);
      if (permit == Breaker.Permit.REJECT) {
        settleAll(call, ItemFailure.of(FailureKind.CIRCUIT_OPEN,
            "the circuit breaker of source '" + core.name + "' is open"), after);
        continue;
      }
      call.probe = permit == Breaker.Permit.PROBE;
      call.deadline = deadline;
      call.state = Call.State.ACQUIRING;
      for (K key : call.keys) {
        core.table.get(key).phase = KeyState.Phase.IN_FLIGHT;
      }
      slotsInUse++;
      inFlight.add(call);
      after.add(() -> acquire(call));
    }
  }

  private void scheduleWake(long delayNanos) {
    if (wake == null || wake.isDone()) {
      wake = core.schedule(() -> core.locked(after -> {
        wake = null;
        dispatch(after);
      }), delayNanos);
    }
  }

  // ---- a call's way (outside the lock unless said)

  private void acquire(Call<K> call) {
    long weight;
    List<K> callKeys;
    core.lock.lock();
    try {
      callKeys = List.copyOf(call.keys);
    } finally {
      core.lock.unlock();
    }
    try {
      weight = source.weight(callKeys);
      if (weight < 1) {
        throw new IllegalArgumentException("source '" + core.name + "' gave weight " + weight + " for " + callKeys
            + ": must be at least 1");
      }
    } catch (RuntimeException e) {
      refusedByQuota(call, "the call could not be weighed: " + e, e);
      return;
    }
    long maxWait = call.deadline - core.clock.nanos();
    quota.acquire(weight, maxWait).whenComplete((granted, failure) -> core.execute(() -> {
      Throwable cause = failure == null ? null : EngineCore.unwrap(failure);
      if (cause instanceof RateLimiterUnavailableException unavailable && unavailable.retryAfterNanos() > 0) {
        limiterUnavailable(call, unavailable);
      } else if (cause != null) {
        refusedByQuota(call, cause instanceof RateLimitExceededException
            ? "the rate limiter cannot grant the call's weight before the deadline: " + cause.getMessage()
            : "rate limiter '" + quota.limiterName() + "' failed to grant the call's weight: " + cause, cause);
      } else {
        core.stats.weightUsed.add(weight);
        QuotaGate.Grant grant = quota.onGranted(weight, core.clock.nanos());
        core.locked(after -> {
          call.weightPaid += weight;
          call.grant = grant;
        });
        send(call);
      }
    }));
  }

  /**
   * The limiter could not decide on the call's weight and says when to ask again (its store is
   * away and it fails closed): the call is not sent without its weight. No call is dispatched
   * until then (at least {@link #refusalPauseFloor} of this call's outages; calls already granted
   * their weight are still sent), and this one is queued again; it is rejected, naming the limiter,
   * when that time is past the latest deadline of its batches. Not an attempt, and the breaker
   * learns nothing: the source was not called. A limiter failure without a retry time (Redis up
   * and refusing the call: an error reply, such as a script error) rejects the call at once.
   */
  private void limiterUnavailable(Call<K> call, RateLimiterUnavailableException unavailable) {
    core.locked(after -> {
      long now = core.clock.nanos();
      endAttempt(call);
      breaker.release(call.probe);
      call.limiterOutages++;
      long until = Checks.plus(now, Math.max(unavailable.retryAfterNanos(), refusalPauseFloor(call.limiterOutages)));
      long deadline = core.table.latestDeadline(call); // batches may have joined while it waited
      if (deadline != Long.MIN_VALUE && until - deadline >= 0) {
        settleAll(call, ItemFailure.of(FailureKind.REJECTED, "rate limiter '" + quota.limiterName()
            + "' is unavailable until after the deadline: " + unavailable.getMessage(), unavailable), after);
      } else {
        limiterPause.extendTo(until);
        requeue(call, after); // without the keys nobody waits for any more; dropped when none is left
      }
      dispatch(after);
    });
  }

  /**
   * The call got no weight (it could not be weighed, the limiter refused, or the limiter failed):
   * its keys fail as {@link FailureKind#REJECTED} with {@code why}, and its slot and breaker probe
   * are freed. The source was not called, so the breaker learns nothing.
   */
  private void refusedByQuota(Call<K> call, String why, Throwable failure) {
    core.locked(after -> {
      endAttempt(call);
      breaker.release(call.probe);
      settleAll(call, ItemFailure.of(FailureKind.REJECTED, why, failure), after);
      dispatch(after);
    });
  }

  private void send(Call<K> call) {
    int[] token = new int[1];
    List<List<K>> sending = new ArrayList<>(1);
    core.locked(after -> {
      long now = core.clock.nanos();
      long paused = refusalPause.remaining(now);
      if (paused > 0) { // refused by another call while this one waited for quota
        if (refusalPause.outlasts(call.deadline, now)) {
          QuotaGate.Grant grant = call.grant;
          after.add(() -> quota.onAnswer(grant, OptionalLong.empty(), now, now, false));
          endAttempt(call);
          breaker.release(call.probe);
          settleAll(call, ItemFailure.of(FailureKind.REJECTED, "source '" + core.name
              + "' asked for a pause (HTTP 429/418) that ends after the deadline"), after);
          dispatch(after);
        } else {
          core.schedule(() -> send(call), paused);
        }
        return;
      }
      call.state = Call.State.RUNNING;
      call.sourceCalls++;
      call.token++;
      call.sentAt = now;
      if (call.mark == null) {
        call.mark = core.table.mark(call.keys);
      }
      call.generation = limit.generation();
      int current = call.token;
      token[0] = current;
      call.timeout = core.schedule(() -> onFailure(call, current, new TimeoutException(
          "source '" + core.name + "' did not answer within the call timeout")), callTimeoutNanos);
      sending.add(List.copyOf(call.keys));
    });
    if (sending.isEmpty()) {
      return;
    }
    CompletableFuture<SourceReply<K, V>> reply;
    try {
      reply = Objects.requireNonNull(source.fetch(sending.get(0)), "the future of Source.fetch");
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((answer, failure) -> core.execute(() -> {
      if (failure != null) {
        onFailure(call, token[0], EngineCore.unwrap(failure));
      } else if (answer == null) { // a source's bug, failed like any source error (retries, breaker)
        onFailure(call, token[0], new NullPointerException("Source.fetch of '" + core.name + "' completed with null"));
      } else {
        onSuccess(call, token[0], answer);
      }
    }));
  }

  /** Under the lock: the attempt no longer holds a slot. */
  private void endAttempt(Call<K> call) {
    if (call.timeout != null) {
      call.timeout.cancel(false);
      call.timeout = null;
    }
    if (inFlight.remove(call)) {
      slotsInUse--;
    }
  }

  private boolean isCurrent(Call<K> call, int token) {
    return call.token == token && call.state == Call.State.RUNNING;
  }

  private void onSuccess(Call<K> call, int token, SourceReply<K, V> reply) {
    core.locked(after -> {
      long now = core.clock.nanos();
      if (!isCurrent(call, token)) {
        core.table.fill(call, reply.values(), after); // a reply after its timeout: cached unless changed since
        return;
      }
      endAttempt(call);
      breaker.onSuccess(call.probe);
      limit.onSuccess(now - call.sentAt, slotsInUse + 1, call.generation);
      currentLimit = limit.current();
      core.stats.call(EngineStats.CallResult.SUCCESS);
      long sentAt = call.sentAt;
      QuotaGate.Grant grant = call.grant;
      after.add(() -> quota.onAnswer(grant, reply.usedWeight(), sentAt, now, false));
      Map<K, V> fills = new HashMap<>();
      for (K key : List.copyOf(call.keys)) {
        KeyState<K, V> ks = core.table.get(key);
        if (ks == null || ks.call != call) {
          continue;
        }
        V value = reply.values().get(key);
        core.table.settle(ks, value, value != null ? null
            : ItemFailure.of(FailureKind.NOT_FOUND, "source '" + core.name + "' answered without it"), call, fills, after);
      }
      call.state = Call.State.DONE;
      core.table.fill(call, fills, after);
      dispatch(after);
    });
  }

  private void onFailure(Call<K> call, int token, Throwable failure) {
    core.locked(after -> {
      long now = core.clock.nanos();
      if (!isCurrent(call, token)) {
        return;
      }
      endAttempt(call);
      if (failure instanceof SourceRefusedException refused) {
        breaker.release(call.probe);
        call.refusals++; // not an attempt: the call waits for the Retry-After instead (see Retry)
        core.stats.call(EngineStats.CallResult.REFUSED);
        limit.onCongestion(call.generation, ConcurrencyLimit.HARD_BACKOFF);
        currentLimit = limit.current();
        long until = Checks.plus(now, Math.max(refused.retryAfter().toNanos(), refusalPauseFloor(call.refusals)));
        refusalPause.extendTo(until);
        long sentAt = call.sentAt;
        QuotaGate.Grant grant = call.grant;
        after.add(() -> quota.onAnswer(grant, refused.usedWeight(), sentAt, now, refused.status() == 429));
        requeue(call, after);
      } else {
        QuotaGate.Grant grant = call.grant;
        long sentAt = call.sentAt;
        after.add(() -> quota.onAnswer(grant, OptionalLong.empty(), sentAt, now, false));
        boolean timeout = failure instanceof TimeoutException;
        core.stats.call(timeout ? EngineStats.CallResult.TIMEOUT : EngineStats.CallResult.ERROR);
        if (timeout) {
          limit.onCongestion(call.generation, ConcurrencyLimit.HARD_BACKOFF);
          currentLimit = limit.current();
        }
        retryOrFail(call, failure, now, after);
      }
      dispatch(after);
    });
  }

  /**
   * The least pause after the {@code refusals}-th refusal of one call: 100 ms, doubling with each
   * refusal of the call, up to 10 s. Refusals use up no attempt, so a source that refuses with
   * {@code Retry-After: 0} (or a tiny one) would otherwise be called in a loop until the deadline.
   */
  static long refusalPauseFloor(int refusals) {
    long floor = REFUSAL_PAUSE_FLOOR_NANOS << Math.min(Math.max(refusals - 1, 0), 7);
    return Math.min(floor, REFUSAL_PAUSE_CEILING_NANOS);
  }

  private boolean isRetryable(Throwable failure) {
    try {
      return source.isRetryable(failure);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void retryOrFail(Call<K> call, Throwable failure, long now, List<Runnable> after) {
    boolean retryable = isRetryable(failure);
    long deadline = core.table.latestDeadline(call);
    boolean someoneWaits = deadline != Long.MIN_VALUE && deadline - now > 0;
    if (retryable && someoneWaits && call.attempts() < retry.maxAttempts()) {
      long backoff = retry.backoffNanos(call.attempts());
      if (Checks.plus(now, backoff) - deadline < 0) {
        if (call.probe) {
          breaker.onFailure(true, now);
          call.probe = false;
        }
        call.state = Call.State.BACKOFF;
        for (K key : call.keys) {
          KeyState<K, V> ks = core.table.get(key);
          if (ks != null && ks.call == call) {
            ks.phase = KeyState.Phase.QUEUED;
          }
        }
        core.schedule(() -> core.locked(a -> {
          if (call.state == Call.State.BACKOFF) {
            requeue(call, a);
            dispatch(a);
          }
        }), backoff);
        return;
      }
    }
    if (!retryable) {
      breaker.onSuccess(call.probe); // the source answered; the request was bad
      if (someoneWaits && call.keys.size() > 1) {
        split(call, after);
        return;
      }
    } else {
      breaker.onFailure(call.probe, now);
    }
    settleAll(call, ItemFailure.of(FailureKind.SOURCE_ERROR,
        "source '" + core.name + "' failed after " + call.attempts() + " attempt(s): " + failure, failure), after);
  }

  /** A multi-key call failed for a reason retries cannot fix: try each half alone, so a bad key fails alone. */
  private void split(Call<K> call, List<Runnable> after) {
    List<K> live = new ArrayList<>();
    for (K key : call.keys) {
      KeyState<K, V> ks = core.table.get(key);
      if (ks != null && ks.call == call) {
        live.add(key);
      }
    }
    call.state = Call.State.DONE;
    int half = live.size() / 2;
    Call<K> first = core.table.newCall(live.subList(0, half), call.priority, call);
    Call<K> second = core.table.newCall(live.subList(half, live.size()), call.priority, call);
    requeue(second, after);
    requeue(first, after);
  }

  /** Puts a call back at the head of its queue, without the keys nobody waits for any more. */
  private void requeue(Call<K> call, List<Runnable> after) {
    core.table.dropUnwanted(call, after);
    if (call.keys.isEmpty()) {
      call.state = Call.State.DONE;
      return;
    }
    queue.addFirst(call);
  }

  /** Settles every key the call still holds with {@code failure}. */
  private void settleAll(Call<K> call, ItemFailure failure, List<Runnable> after) {
    Map<K, V> fills = new HashMap<>();
    for (K key : List.copyOf(call.keys)) {
      KeyState<K, V> ks = core.table.get(key);
      if (ks != null && ks.call == call) {
        core.table.settle(ks, null, failure, call, fills, after);
      }
    }
    call.state = Call.State.DONE;
  }

  /** Under the lock: no more calls start; what is queued is dropped. */
  void stop(List<Runnable> after) {
    stopped = true;
    Call<K> call;
    while ((call = queue.poll()) != null) {
      core.table.abandon(call, after);
      call.state = Call.State.DONE;
    }
    if (wake != null) {
      wake.cancel(false);
    }
  }

  // ---- observation

  int slotsInUse() {
    return slotsInUse;
  }

  int limit() {
    return currentLimit;
  }

  /** Under the lock. */
  int queuedCalls() {
    return queue.size();
  }

  /** Under the lock. */
  int callsInFlight() {
    return inFlight.size();
  }

  /** Under the lock. */
  CircuitBreaker.State circuitState(long now) {
    return breaker.state(now);
  }

  /** Under the lock: how long the source stays paused (a refusal or the limiter); 0 when it is not. */
  long pausedNanos(long now) {
    return Math.max(refusalPause.remaining(now), limiterPause.remaining(now));
  }
}
