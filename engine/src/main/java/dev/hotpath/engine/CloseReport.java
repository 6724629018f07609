package dev.hotpath.engine;

/**
 * What {@link BatchEngine#close} had to abandon after draining: batches still open when the drain
 * timeout passed (their futures completed with the open items {@link FailureKind#CANCELLED}), and
 * the source calls then queued (dropped) or in flight (not waited for; a late reply still fills the
 * cache while it is open, keys changed since the call went out excepted). Immutable.
 */
public final class CloseReport {
  private final int batchesAbandoned;
  private final int itemsAbandoned;
  private final int callsDropped;
  private final int callsInFlight;

  CloseReport(int batchesAbandoned, int itemsAbandoned, int callsDropped, int callsInFlight) {
    this.batchesAbandoned = batchesAbandoned;
    this.itemsAbandoned = itemsAbandoned;
    this.callsDropped = callsDropped;
    this.callsInFlight = callsInFlight;
  }

  /** Whether every batch finished within the drain timeout: nothing was abandoned. */
  public boolean drained() {
    return batchesAbandoned == 0;
  }

  /** Batches completed by the close, with their open items cancelled. */
  public int batchesAbandoned() {
    return batchesAbandoned;
  }

  /** Items of those batches that had no outcome yet. */
  public int itemsAbandoned() {
    return itemsAbandoned;
  }

  /** Source calls that were queued and will not be made. */
  public int callsDropped() {
    return callsDropped;
  }

  /** Source calls in flight (or waiting for the rate limiter) that the close did not wait for. */
  public int callsInFlight() {
    return callsInFlight;
  }

  @Override
  public String toString() {
    return drained() ? "CloseReport[drained]"
        : "CloseReport[abandoned " + batchesAbandoned + " batches (" + itemsAbandoned + " items), dropped "
            + callsDropped + " queued calls, left " + callsInFlight + " calls in flight]";
  }
}
