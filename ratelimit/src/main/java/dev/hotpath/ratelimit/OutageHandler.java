package dev.hotpath.ratelimit;

import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link RedisRateLimiter} does when Redis fails it: tells each call whether to ask Redis
 * (its {@link RedisBreaker}), answers the calls Redis did not decide by the {@link RedisDownPolicy}
 * (failing open, from a {@link FallbackShare}), and sends the share's debts when Redis answers
 * again.
 *
 * <p>Failures are told apart as cache-redis's Redis tier does (this module cannot depend on that
 * one): an error reply (a script or command error) comes from a server that is up and fails its
 * call alone; no answer (a timeout, a lost connection, or a reply such as {@code LOADING} or
 * {@code BUSY} from a server that cannot serve now) counts toward opening the circuit.
 *
 * <p>Thread-safe.
 */
final class OutageHandler {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);

  private final BaseRateLimiter limiter;
  private final RedisDownPolicy downPolicy;
  private final long retryIntervalNanos;
  private final RedisBreaker breaker;
  /** The local share when failing open; null when failing closed. */
  private final FallbackShare share;
  private final BooleanSupplier connectionUp;
  private final FallbackShare.Debit debit;
  private volatile Throwable lastFailure;
  /** Debts Redis refused (error replies), dropped; for tests. */
  private final AtomicLong refusedDebits = new AtomicLong();
  /** When a failure that opened no circuit may be logged again (one line per retry interval). */
  private volatile long nextFailureLog = Long.MIN_VALUE;

  /**
   * @param timeoutNanos how long a call waits for Redis at most
   * @param share the local share, or null when failing closed
   * @param connectionUp whether the connection to Redis is up now
   * @param debit sends a debt of the share to Redis
   */
  OutageHandler(BaseRateLimiter limiter, RedisDownPolicy downPolicy, int threshold, long retryIntervalNanos,
      long timeoutNanos, FallbackShare share, BooleanSupplier connectionUp, FallbackShare.Debit debit) {
    this.limiter = limiter;
    this.downPolicy = downPolicy;
    this.retryIntervalNanos = retryIntervalNanos;
    this.breaker = new RedisBreaker(threshold, retryIntervalNanos, timeoutNanos);
    this.share = share;
    this.connectionUp = connectionUp;
    this.debit = debit;
  }

  /** Whether a call starting now asks Redis, and as what. */
  RedisBreaker.Pass pass() {
    return breaker.pass(limiter.clock);
  }

  /** Nanoseconds until Redis is asked again; 0 if the next call asks. */
  long nanosToRetry() {
    return breaker.nanosToRetry(limiter.clock.nanos());
  }

  boolean circuitOpen() {
    return breaker.isOpen();
  }

  /** Permits the local share granted that have not been sent to Redis yet. */
  long owedPermits() {
    return share != null ? share.owedPermits() : 0;
  }

  /** Debts Redis refused with an error reply, dropped rather than owed again. */
  long refusedDebits() {
    return refusedDebits.get();
  }

  void replace(Limits limits) {
    if (share != null) {
      share.replace(limits.scaled(downPolicy.localShare()));
    }
  }

  /** The local share's {@link BaseRateLimiter#reserve}; only when failing open. */
  long reserveLocally(String key, long permits, long maxWaitNanos, NanoClock clock) {
    return share.reserve(key, permits, maxWaitNanos, clock, nanosToRetry());
  }

  /** The local share's {@link BaseRateLimiter#decide}; only when failing open. */
  RateLimitDecision decideLocally(String key, long permits) {
    return share.decide(key, permits, nanosToRetry());
  }

  /** Reported usage, kept by the local share; only when failing open. */
  void syncLocally(String key, String bandwidthId, long used) {
    share.sync(key, bandwidthId, used);
  }

  /**
   * Redis answered a call with this pass. A probe's answer closes the circuit once the share's
   * debts were sent, a settlement another thread is running included (that thread then closes it;
   * this one never waits): on the same connection the debts reach Redis before the calls that
   * closing lets through. Other answers send debts left by calls that failed alone.
   */
  void answered(RedisBreaker.Pass pass) {
    if (pass != RedisBreaker.Pass.PROBE) {
      breaker.answered(pass);
      if (share != null && share.needsSettling()) {
        settle(null);
      }
      return;
    }
    Runnable close = () -> {
      breaker.answered(RedisBreaker.Pass.PROBE);
      LOG.info("RateLimiter '{}': Redis answers again; asking it again", limiter.name);
    };
    if (share == null) {
      close.run();
    } else {
      settle(close);
    }
  }

  /** Settles the share; a failure to hand debts over is logged, not reported as Redis's. */
  private void settle(Runnable then) {
    try {
      share.settle(debit, then);
    } catch (RuntimeException e) {
      LOG.warn("RateLimiter '{}': sending the local share's debts to Redis failed ({})", limiter.name, e.toString());
    }
  }

  /**
   * A debt sent by a settlement failed. Without an answer it may or may not have been taken; it is
   * owed again, so it may be taken twice: stricter, by at most the share's capacity, never looser.
   * Refused for good by a server that is up (an error reply such as WRONGTYPE or a script error),
   * it is dropped and logged: sent again it would be refused again, after every answered call. A
   * refusal that lasts only a while ({@link #refusesWritesForNow}) keeps it owed.
   */
  void debitFailed(String key, long permits, Throwable error, FallbackShare owner) {
    Throwable cause = unwrap(error);
    if (isOutage(cause) || refusesWritesForNow(cause)) {
      owner.owe(key, permits);
    } else {
      refusedDebits.incrementAndGet();
      LOG.warn("RateLimiter '{}': Redis refused to take {} permits the local share granted while it was away ({});"
          + " they are not sent again", limiter.name, permits, cause.toString());
    }
  }

  /**
   * A call with this pass gave up before its answer (interrupted), or failed with an {@link Error}
   * between taking its pass and reporting it: a probe lets the next call probe.
   */
  void abandoned(RedisBreaker.Pass pass) {
    breaker.abandoned(pass);
  }

  /**
   * Records a failed call to Redis and answers it by the down policy.
   *
   * @param request true for a request for permits (counted as a call), false for a sync
   */
  <T> T failed(Throwable error, RedisBreaker.Pass pass, Supplier<T> openAnswer, boolean request) {
    Throwable cause = unwrap(error);
    lastFailure = cause;
    limiter.recorder.backendFailure();
    long now = limiter.clock.nanos();
    boolean outage = isOutage(cause);
    if (!outage) {
      answered(pass); // an error reply: Redis is up and failed this call alone
      logFailure(cause, now);
    } else if (breaker.unanswered(pass, !connectionUp.getAsBoolean(), now)) {
      LOG.warn("RateLimiter '{}': Redis does not answer ({}); {} for {}, then one call asks again", limiter.name,
          cause.toString(), downPolicy, Duration.ofNanos(retryIntervalNanos));
    } else if (pass == RedisBreaker.Pass.ASK) {
      logFailure(cause, now);
    }
    return answer(openAnswer, cause, request, outage);
  }

  /**
   * The down policy's answer: the local share's when failing open, else
   * {@link RateLimiterUnavailableException} (counted as an unavailable call for a request).
   *
   * @param cause why Redis was not asked or did not decide; null for a call the open circuit
   *     answered without asking (the last failure is then the cause)
   */
  <T> T answer(Supplier<T> openAnswer, Throwable cause, boolean request) {
    return answer(openAnswer, cause, request, cause == null);
  }

  /**
   * @param outage whether Redis is away rather than up and refusing this call: the circuit was
   *     open when the call took its pass, or Redis did not answer it. Then the retry time is at
   *     least 1 ns, never 0, which the batch engine takes for a failure no wait can cure (an error
   *     reply): the retry instant may come between the call's pass and this answer, and a timeout
   *     that opened no circuit leaves the next call to ask.
   */
  private <T> T answer(Supplier<T> openAnswer, Throwable cause, boolean request, boolean outage) {
    if (share != null) {
      return openAnswer.get();
    }
    if (request) {
      limiter.recorder.unavailable();
    }
    long retry = outage ? Math.max(1, nanosToRetry()) : nanosToRetry();
    throw new RateLimiterUnavailableException(limiter.name, retry, cause != null ? cause : lastFailure);
  }

  /** At most one line per retry interval for failures that open no circuit. */
  private void logFailure(Throwable cause, long now) {
    if (now >= nextFailureLog) {
      nextFailureLog = now + retryIntervalNanos;
      LOG.warn("RateLimiter '{}': a call to Redis failed ({}); {} answered it", limiter.name, cause.toString(),
          downPolicy);
    }
  }

  /**
   * Whether an error reply refuses writes for a while rather than this command for good: out of
   * memory, a replica after a failover, a failed snapshot, too few replicas. A debt so refused is
   * owed again.
   */
  static boolean refusesWritesForNow(Throwable t) {
    if (t instanceof RedisCommandExecutionException) {
      String m = String.valueOf(t.getMessage());
      return m.startsWith("OOM") || m.startsWith("READONLY") || m.startsWith("MISCONF") || m.startsWith("NOREPLICAS");
    }
    return false;
  }

  /** Whether a failure means Redis cannot serve now, rather than that it failed this call. */
  static boolean isOutage(Throwable t) {
    if (t instanceof RedisCommandExecutionException) {
      String m = String.valueOf(t.getMessage());
      return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
          || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("ERR max number of clients");
    }
    return true;
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
