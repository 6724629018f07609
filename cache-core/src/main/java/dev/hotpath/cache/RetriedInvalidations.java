package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a namespace whose change (a put or an invalidation) failed in a shared tier, so that
 * the tier may still hold the value the change replaced: PostgreSQL keeps such a row for its TTL
 * (days), and every node that misses above it reads the row and copies it back up. Each key is
 * invalidated again, in every tier and on every node, about {@link #DELAY_MILLIS} later and until
 * that succeeds: deleting is always safe, and it costs a miss of the value the put wrote.
 *
 * <p>Bounded: over {@link #MAX_KEYS} keys the namespace is invalidated whole instead, so the bound
 * never costs a change, only a coarser one. Until the retry lands, the tier can serve the old
 * value (a second or so after it answers again). The retries run on the cache's load executor,
 * one at a time per namespace. Thread-safe.
 */
final class RetriedInvalidations<K> {
  private static final Logger LOG = LoggerFactory.getLogger(RetriedInvalidations.class);
  static final int MAX_KEYS = 10_000;
  static final long DELAY_MILLIS = 1_000;

  private final String namespace;
  private final Set<K> keys = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean whole = new AtomicBoolean();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ScheduledExecutorService scheduler;
  private final Executor executor;
  private final Predicate<Collection<K>> invalidateInFailingTiers;
  private final Consumer<Collection<K>> invalidateKeys;
  private final BooleanSupplier clearFailingTiers;
  private final Runnable invalidateWhole;

  /**
   * @param scheduler times the retries; {@code executor} runs them (a tier may take its timeout to
   *     fail again, which must not hold the scheduler)
   * @param invalidateInFailingTiers invalidates keys in the tiers that do not retry their failed
   *     changes; true when every one of them took it
   * @param invalidateKeys invalidates keys in every tier and tells the other nodes, coming back
   *     here for a tier that fails again
   * @param clearFailingTiers and {@code invalidateWhole}: the same for the whole namespace
   */
  RetriedInvalidations(String namespace, ScheduledExecutorService scheduler, Executor executor,
      Predicate<Collection<K>> invalidateInFailingTiers, Consumer<Collection<K>> invalidateKeys,
      BooleanSupplier clearFailingTiers, Runnable invalidateWhole) {
    this.namespace = namespace;
    this.scheduler = scheduler;
    this.executor = executor;
    this.invalidateInFailingTiers = invalidateInFailingTiers;
    this.invalidateKeys = invalidateKeys;
    this.clearFailingTiers = clearFailingTiers;
    this.invalidateWhole = invalidateWhole;
  }

  void add(Collection<K> changed) {
    if (!whole.get()) {
      keys.addAll(changed);
      if (keys.size() > MAX_KEYS) {
        whole.set(true);
        keys.clear();
      }
    }
    schedule();
  }

  void addWhole() {
    whole.set(true);
    keys.clear();
    schedule();
  }

  private void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(() -> {
        try {
          executor.execute(this::retry);
        } catch (RejectedExecutionException e) {
          // The pool is full (as during an outage, when misses hold its threads): try again
          // later. Closed, the scheduler refuses that and the retries end.
          scheduled.set(false);
          schedule();
        }
      }, DELAY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      scheduled.set(false); // closed
    }
  }

  /** One retry; the next is scheduled when it ends, so a namespace runs one at a time. */
  private void retry() {
    boolean all = whole.getAndSet(false);
    List<K> batch = new ArrayList<>(keys);
    keys.removeAll(batch);
    try {
      if (all) {
        if (clearFailingTiers.getAsBoolean()) {
          invalidateWhole.run();
        } else {
          addWhole();
        }
      } else if (!batch.isEmpty()) {
        if (invalidateInFailingTiers.test(batch)) {
          invalidateKeys.accept(batch);
        } else {
          add(batch);
        }
      }
    } catch (IllegalStateException closed) {
      LOG.debug("namespace '{}' closed before its failed changes were invalidated again", namespace);
      return;
    } catch (RuntimeException e) {
      LOG.warn("namespace '{}': invalidating {} keys again failed; trying later", namespace,
          all ? "all" : batch.size(), e);
      if (all) {
        addWhole();
      } else {
        add(batch);
      }
    } finally {
      scheduled.set(false);
    }
    if (whole.get() || !keys.isEmpty()) {
      schedule();
    }
  }
}
