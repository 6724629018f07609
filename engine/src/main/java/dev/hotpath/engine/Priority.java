package dev.hotpath.engine;

/**
 * How urgently a batch's source calls are made. Each priority has its own bounded queue (see
 * {@link BatchEngine.Builder#queue}). Calls are taken from the highest non-empty queue, except
 * that a lower queue passed over several times in a row is served next (aging by turns): while
 * HIGH keeps the engine busy, NORMAL still gets at least one call in four and LOW one in eight, so
 * no priority is starved forever.
 */
public enum Priority {
  /** Served first; for what a user is waiting on. */
  HIGH,
  /** The default. */
  NORMAL,
  /** Background work (backfills, warmups); served at least one call in eight under load. */
  LOW
}
