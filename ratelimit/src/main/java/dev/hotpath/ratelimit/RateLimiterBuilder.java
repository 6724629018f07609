package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * What every limiter's builder sets: a name, the limit (one {@link RateLimit} or {@link TenantPlans}),
 * and optionally the clock and the scheduler of async acquires. Each value may be set once: a second
 * call of a setter throws {@link IllegalStateException} ("{@code <field> was already set}").
 * Meters are not configured here: see {@link RateLimiter#bindTo}. Not thread-safe.
 *
 * <p>Package-private: hosts name {@link LocalRateLimiter.Builder} and
 * {@link RedisRateLimiter.Builder}, which inherit these setters as public methods (as
 * {@code StringBuilder} does from {@code AbstractStringBuilder}).
 *
 * @param <B> the concrete builder
 */
abstract class RateLimiterBuilder<B extends RateLimiterBuilder<B>> {

  String name;
  Limits limits;
  NanoClock clock;
  ScheduledExecutorService scheduler;

  RateLimiterBuilder() {
  }

  abstract B self();

  /** The limiter's name (metric tag and exception text); required, not blank. */
  public B name(String name) {
    requireNonNull(name, "name");
    Checks.requireUnset("name", this.name);
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank: '" + name + "'");
    }
    this.name = name;
    return self();
  }

  /** One limit for every key. Either this or {@link #plans}. */
  public B limit(RateLimit limit) {
    requireNonNull(limit, "limit");
    Checks.requireUnset("limit or plans", limits);
    this.limits = Limits.of(limit);
    return self();
  }

  /** Per-tenant limits: the key is the tenant. Either this or {@link #limit}. */
  public B plans(TenantPlans plans) {
    requireNonNull(plans, "plans");
    Checks.requireUnset("limit or plans", limits);
    this.limits = Limits.of(plans);
    return self();
  }

  /** The time source; default {@link NanoClock#system()}. */
  public B clock(NanoClock clock) {
    requireNonNull(clock, "clock");
    Checks.requireUnset("clock", this.clock != null);
    this.clock = clock;
    return self();
  }

  /**
   * Completes async acquires and runs housekeeping; default a shared daemon thread. The limiter
   * does not shut it down.
   */
  public B scheduler(ScheduledExecutorService scheduler) {
    requireNonNull(scheduler, "scheduler");
    Checks.requireUnset("scheduler", this.scheduler != null);
    this.scheduler = scheduler;
    return self();
  }

  /** Checks the common settings; called by each build(). */
  void validate() {
    if (name == null) {
      throw new IllegalStateException("name is not set");
    }
    if (limits == null) {
      throw new IllegalStateException("neither limit nor plans is set");
    }
  }

  NanoClock clockOrDefault() {
    return clock != null ? clock : NanoClock.system();
  }

  ScheduledExecutorService schedulerOrDefault() {
    return scheduler != null ? scheduler : DefaultScheduler.INSTANCE;
  }

  /** Lazily created so hosts that pass their own scheduler never start this thread. */
  private static final class DefaultScheduler {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "hotpath-ratelimit-scheduler");
        t.setDaemon(true);
        return t;
      });
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
