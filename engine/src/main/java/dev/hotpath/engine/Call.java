package dev.hotpath.engine;

import dev.hotpath.cache.ChangeMark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One source call for up to {@code maxKeysPerCall} keys, through its attempts. Keys leave a queued
 * call when no batch waits for them any more; a call left without keys is dropped. Fields are
 * guarded by the engine's lock.
 */
final class Call<K> {

  enum State { QUEUED, BACKOFF, ACQUIRING, RUNNING, DONE }

  final long id;
  final List<K> keys;
  /** The call this one was split from, whose attempts also delivered its keys; or null. */
  Call<K> parent;
  Priority priority;
  State state = State.QUEUED;
  /** The queue it sits in (a priority's ordinal), or -1. */
  int queuedIn = -1;
  /** Source calls made so far, refused ones included: every one was a request the source saw. */
  int sourceCalls;
  /** How many of {@link #sourceCalls} were refused (HTTP 429/418); they are not attempts. */
  int refusals;
  /** Times the rate limiter could not decide on its weight (its store down, failing closed). */
  int limiterOutages;
  /** Rate-limit weight paid so far. */
  long weightPaid;
  /** Identifies the current attempt, so a reply to an abandoned attempt is known as late. */
  int token;
  boolean probe;
  long generation;
  long sentAt;
  /**
   * The cache's change mark of the keys, taken before the first attempt's fetch: a value a reply
   * brings that no cache load takes is cached only if the key did not change since (an earlier
   * mark is stricter, so it serves every attempt).
   */
  ChangeMark mark;
  /** The latest deadline of the batches waiting when it was dispatched. */
  long deadline;
  ScheduledFuture<?> timeout;
  /** The quota grant of the current attempt, for the used-weight tally; or null. */
  QuotaGate.Grant grant;

  Call(long id, List<K> keys, Priority priority) {
    this.id = id;
    this.keys = new ArrayList<>(keys);
    this.priority = priority;
  }

  /** The attempts the retry policy counts: source calls that were not refused. */
  int attempts() {
    return sourceCalls - refusals;
  }

  @Override
  public String toString() {
    return "Call#" + id + keys + " " + state + " " + priority + " sourceCalls=" + sourceCalls + " refusals=" + refusals;
  }
}
