package dev.hotpath.cache.jcache;

import java.time.Clock;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the answers of a JSR-107 {@link ExpiryPolicy} into expiry times (epoch milliseconds of
 * {@code clock}). A policy that throws is logged and treated as having no opinion: a new entry
 * does not expire, a changed or read one keeps its time, which is what JSR-107's {@code null}
 * answer means.
 */
final class ExpiryTimes {
  private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimes.class);

  /** The entry keeps the time it has. */
  static final long UNCHANGED = Long.MIN_VALUE;
  /** The entry expires at once ({@link Duration#ZERO}); a new entry is not stored. */
  static final long NOW = 0L;

  private final ExpiryPolicy policy;
  private final Clock clock;
  /**
   * Whether the policy is one of JSR-107's own final classes that answer {@code null} for every
   * access: then a read need not ask it. Any other policy, a user's included, is asked per read,
   * as JSR-107 says (the TCK counts those calls).
   */
  private final boolean accessNeverChangesExpiry;

  ExpiryTimes(ExpiryPolicy policy, Clock clock) {
    this.policy = policy;
    this.clock = clock;
    this.accessNeverChangesExpiry = policy instanceof EternalExpiryPolicy
        || policy instanceof CreatedExpiryPolicy
        || policy instanceof ModifiedExpiryPolicy;
  }

  ExpiryPolicy policy() {
    return policy;
  }

  long now() {
    return clock.millis();
  }

  /** When a new entry expires: {@link StoredEntry#ETERNAL}, {@link #NOW}, or a time. */
  long forCreation() {
    long time;
    try {
      time = at(policy.getExpiryForCreation());
    } catch (RuntimeException e) {
      LOG.warn("the expiry policy {} failed for a new entry; it does not expire", policy, e);
      return StoredEntry.ETERNAL;
    }
    return time == UNCHANGED ? StoredEntry.ETERNAL : time;
  }

  /** When a changed entry expires, or {@link #UNCHANGED}. */
  long forUpdate() {
    try {
      return at(policy.getExpiryForUpdate());
    } catch (RuntimeException e) {
      LOG.warn("the expiry policy {} failed for a changed entry; its expiry is unchanged", policy, e);
      return UNCHANGED;
    }
  }

  /** When a read entry expires, or {@link #UNCHANGED}. */
  long forAccess() {
    try {
      return at(policy.getExpiryForAccess());
    } catch (RuntimeException e) {
      LOG.warn("the expiry policy {} failed for a read entry; its expiry is unchanged", policy, e);
      return UNCHANGED;
    }
  }

  /** Applies the policy's answer for a read to {@code entry}, in process. */
  void touch(StoredEntry<?> entry) {
    if (accessNeverChangesExpiry) {
      return;
    }
    long time = forAccess();
    if (time != UNCHANGED) {
      entry.expiresAt(time);
    }
  }

  private long at(Duration duration) {
    if (duration == null) {
      return UNCHANGED;
    }
    if (duration.isZero()) {
      return NOW;
    }
    if (duration.isEternal()) {
      return StoredEntry.ETERNAL;
    }
    long time = duration.getAdjustedTime(now());
    // The two sentinels are not times an entry can be given.
    return time == StoredEntry.ETERNAL || time == NOW ? time - 1 : time;
  }
}
