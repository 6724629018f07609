package dev.hotpath.engine;

import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where source calls pay their weight, and where the server's used-weight figures flow back into
 * the limiter ({@link RateLimiter#syncUsage}), so that weight used by other programs on the same
 * IP counts too.
 *
 * <p>For a clock-aligned bandwidth (an exchange's weight per minute) a reply's raw figure is not
 * enough: it was counted when the request arrived, so it leaves out this engine's calls still on
 * their way; and the limiter charges a reservation that straddles a boundary partly to the old
 * window, while the server charges it wholly to the new one. So the gate keeps, per window of the
 * engine's clock:
 *
 * <ul>
 *   <li>{@code tally}: the weight granted to this engine's calls in the window;
 *   <li>{@code carry}: calls granted in an earlier window and answered after this one began (or
 *       not yet): they may reach the server in this window;
 *   <li>{@code foreign}: what the server counts beyond this engine. Within a window the server's
 *       figures grow with every request, so a reply {@code r} shows {@code used(r) = foreign +}
 *       this engine's weight that reached the server before it: the calls answered with a figure
 *       up to {@code used(r)}, plus possibly calls not answered yet. Counting all of those gives a
 *       lower bound at once; once every call granted before {@code r} was answered, the figure is
 *       exact. Neither ever over-counts, so quota is not wasted on guesses; a carried call that
 *       reached the server in the old window makes {@code foreign} negative by its weight, which
 *       cancels it out of {@code carry}.
 * </ul>
 *
 * and syncs the limiter to {@code tally + carry + foreign + reserve} ({@code tally + reserve}
 * before the window's first reply). {@code reserve} is learned from refusals: a 429 when the server
 * counted {@code used} proves its limit is below {@code used + weight}, so when {@code used} is
 * below the bandwidth's capacity (the exchange is stricter than configured) the engine keeps {@code
 * capacity - used} of every window in reserve from then on, and says so in the log. Figures of a call sent in one window and answered in another are not used to
 * estimate, since they may describe the old window. The engine's clock and the limiter's should be
 * the same ({@link NanoClock#system()} by default for both). For other bandwidths the raw figure is
 * synced. Thread-safe.
 */
final class QuotaGate {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaGate.class);

  private final RateLimiter limiter;
  private final String key;
  private final Bandwidth bandwidth;
  private final NanoClock clock;
  private volatile long lastUsed = -1;
  private volatile long lastUsedWindow;
  // guarded by this
  private final ArrayDeque<Grant> grants = new ArrayDeque<>();
  private long grantSeq;
  private long window = Long.MIN_VALUE;
  private long tally;
  private long carry;
  private long foreign;
  private boolean estimated;
  private volatile long reserve;
  /** Whether a refused syncUsage was logged at WARN; later ones go to DEBUG, as outages do. */
  private final AtomicBoolean warnedRefusedSync = new AtomicBoolean();
  /** Answers whose exact estimate waits for calls granted before them to be answered. */
  private final ArrayDeque<Grant> open = new ArrayDeque<>();

  /** The weight one call was granted, when, and what its answer said. */
  static final class Grant {
    final long seq;
    final long weight;
    final long grantedAt;
    boolean answered;
    long answeredAt;
    /** The used weight its answer reported, or -1. */
    long used = -1;

    Grant(long seq, long weight, long grantedAt) {
      this.seq = seq;
      this.weight = weight;
      this.grantedAt = grantedAt;
    }
  }

  QuotaGate(RateLimiter limiter, String key, Bandwidth bandwidth, NanoClock clock) {
    this.limiter = limiter;
    this.key = key;
    this.bandwidth = bandwidth;
    this.clock = clock;
  }

  /**
   * Takes {@code weight} permits, waiting for them at most {@code maxWaitNanos}; without a limiter,
   * completes at once. Never throws: whatever the limiter throws (an argument error, a store
   * outage, an {@link IllegalStateException} from a limiter the host closed first, a custom
   * limiter's bug) fails the future instead, so the call is failed and its slot freed rather than
   * left waiting for a grant that never comes.
   */
  CompletableFuture<Void> acquire(long weight, long maxWaitNanos) {
    if (limiter == null) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      return Objects.requireNonNull(limiter.acquireAsync(key, weight, Duration.ofNanos(Math.max(0, maxWaitNanos))),
          "the future of RateLimiter.acquireAsync");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The limiter's name, for messages; null without a limiter. */
  String limiterName() {
    return limiter == null ? null : limiter.name();
  }

  /**
   * A call was granted {@code weight} at {@code now} and is about to be sent; returns what {@link
   * #onAnswer} takes (null without a clock-aligned used-weight bandwidth).
   */
  Grant onGranted(long weight, long now) {
    if (bandwidth == null || !bandwidth.isClockAligned()) {
      return null;
    }
    long target;
    Grant grant;
    synchronized (this) {
      roll(windowOf(now));
      grant = new Grant(++grantSeq, weight, now);
      grants.add(grant);
      tally += weight;
      target = target();
    }
    syncTo(target);
    return grant;
  }

  /**
   * The call of {@code grant} was answered (or given up on) at {@code answeredAt}, having been sent
   * at {@code sentAt}; feeds the used weight it reported, if any, to the limiter. {@code refused}:
   * the answer was a 429 (a 418 is about violations, not the limit).
   */
  void onAnswer(Grant grant, OptionalLong usedWeight, long sentAt, long answeredAt, boolean refused) {
    if (bandwidth == null) {
      return;
    }
    if (!bandwidth.isClockAligned()) {
      if (usedWeight.isPresent()) {
        lastUsed = usedWeight.getAsLong();
        syncTo(lastUsed);
      }
      return;
    }
    long target = -1;
    synchronized (this) {
      if (grant != null) {
        grant.answered = true;
        grant.answeredAt = answeredAt;
        grant.used = usedWeight.orElse(-1);
      }
      long now = windowOf(answeredAt);
      roll(now);
      if (grant != null && usedWeight.isPresent() && windowOf(sentAt) == now) {
        long used = usedWeight.getAsLong();
        if (refused && used < bandwidth.capacity() && bandwidth.capacity() - used > reserve) {
          reserve = bandwidth.capacity() - used;
          LOG.warn("RateLimiter '{}': the source refused a call when it counted {} of '{}' used, below the capacity {};"
              + " keeping {} of every window in reserve from now on", limiter.name(), used, bandwidth.id(),
              bandwidth.capacity(), reserve);
        }
        estimate(used - arrived(used, answeredAt, true));
        open.add(grant);
        lastUsed = used;
        lastUsedWindow = now;
      }
      finishEstimates();
      if (estimated) {
        target = target();
      }
    }
    if (target >= 0) {
      syncTo(target);
    }
  }

  private void estimate(long value) {
    foreign = estimated ? Math.max(foreign, value) : value;
    estimated = true;
  }

  /**
   * This engine's weight that may have reached the server by the time a reply showed {@code used}:
   * calls answered with a figure up to it, and (when {@code withPending}) calls granted before the
   * reply came and not answered yet.
   */
  private long arrived(long used, long answeredAt, boolean withPending) {
    long sum = 0;
    for (Grant g : grants) {
      if (g.answered ? g.used >= 0 && g.used <= used : withPending && g.grantedAt - answeredAt <= 0) {
        sum += g.weight;
      }
    }
    return sum;
  }

  /** Makes exact the estimates of answers before which every granted call has been answered. */
  private void finishEstimates() {
    long firstPending = Long.MAX_VALUE;
    boolean pending = false;
    for (Grant g : grants) {
      if (!g.answered && (!pending || g.grantedAt - firstPending < 0)) {
        firstPending = g.grantedAt;
        pending = true;
      }
    }
    while (!open.isEmpty() && (!pending || open.peekFirst().answeredAt - firstPending < 0)) {
      Grant reply = open.pollFirst();
      estimate(reply.used - arrived(reply.used, reply.answeredAt, false));
    }
  }

  private long target() {
    return (estimated ? tally + carry + foreign : tally) + reserve;
  }

  /** Moves to {@code next}: calls not answered before it began are carried, the rest forgotten. */
  private void roll(long next) {
    if (next == window) {
      return;
    }
    long carried = 0;
    for (Iterator<Grant> it = grants.iterator(); it.hasNext(); ) {
      Grant grant = it.next();
      if (!grant.answered || windowOf(grant.answeredAt) >= next) {
        carried += grant.weight;
      } else {
        it.remove();
      }
    }
    window = next;
    tally = 0;
    carry = carried;
    foreign = 0;
    estimated = false;
    open.clear();
  }

  /**
   * Syncs the limiter, never throwing. A store outage passes, so it is logged at DEBUG; an
   * argument refusal is a configuration error that fails every sync (a bandwidth id the key's
   * limit does not have), so the first one is logged at WARN: otherwise syncing would be off
   * without a word.
   */
  private void syncTo(long used) {
    try {
      limiter.syncUsage(key, bandwidth.id(), Math.max(0, Math.min(used, bandwidth.capacity())));
    } catch (IllegalArgumentException e) {
      if (warnedRefusedSync.compareAndSet(false, true)) {
        LOG.warn("RateLimiter '{}' refused syncUsage for key '{}' and used-weight bandwidth '{}': {}."
            + " The source's used-weight figures are not synced: usedWeightBandwidth must be a bandwidth"
            + " of the limiter's limit for that key", limiter.name(), key, bandwidth.id(), e.getMessage());
      } else {
        LOG.debug("RateLimiter '{}': syncUsage({}, {}, {}) refused", limiter.name(), key, bandwidth.id(), used, e);
      }
    } catch (RuntimeException e) {
      LOG.debug("RateLimiter '{}': syncUsage({}, {}, {}) failed", limiter.name(), key, bandwidth.id(), used, e);
    }
  }

  private long windowOf(long nanos) {
    return Math.floorDiv(nanos - bandwidth.alignmentOffset().toNanos(), bandwidth.period().toNanos());
  }

  /** The used weight the server last reported for its current window; -1 when unknown. */
  long quotaUsed() {
    if (bandwidth == null || lastUsed < 0) {
      return -1;
    }
    return !bandwidth.isClockAligned() || lastUsedWindow == windowOf(clock.nanos()) ? lastUsed : 0;
  }

  /** The capacity of the used-weight bandwidth less what refusals taught to keep in reserve; -1 without one. */
  long quotaLimit() {
    return bandwidth == null ? -1 : bandwidth.capacity() - reserve;
  }
}
