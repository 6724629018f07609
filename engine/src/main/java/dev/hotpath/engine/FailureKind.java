package dev.hotpath.engine;

/** Why an item of a batch has no value; see {@link ItemFailure}. */
public enum FailureKind {
  /** The source failed for this key (after the retries the deadline allowed); the cause says how. */
  SOURCE_ERROR,
  /**
   * The source answered without this key, or a tier holds it as absent. Absences are not cached
   * by the engine, so a later batch asks the source again.
   */
  NOT_FOUND,
  /** The batch's deadline passed before the item was done. */
  TIMED_OUT,
  /**
   * The engine could not take the item: the rate limiter cannot grant the call's weight within the
   * deadline or failed to answer (its store unavailable until after the deadline, closed by the
   * host, or it threw), the source could not weigh the call, the source paused calls past the
   * deadline (HTTP 429/418), or the cache refused the read. The source was not called for it.
   */
  REJECTED,
  /** The source's circuit breaker is open: the engine failed the item without calling the source. */
  CIRCUIT_OPEN,
  /** The batch was cancelled, or the engine closed before the item was done. */
  CANCELLED
}
