package dev.hotpath.engine;

import java.util.concurrent.RejectedExecutionException;

/**
 * A batch was refused at once because its priority's queue has no room for its items: thrown by
 * {@link BatchEngine#submit} and {@link BatchEngine#process}, never put in a future. Nothing of the
 * batch was started. Carries the queue (its priority) and its capacity.
 */
public final class BatchRejectedException extends RejectedExecutionException {
  private static final long serialVersionUID = 1L;

  private final Priority priority;
  private final int capacity;

  BatchRejectedException(String sourceName, Priority priority, int capacity, long queued, int batchSize) {
    super("BatchEngine '" + sourceName + "': queue " + priority + " is full (capacity " + capacity + " items, "
        + queued + " queued); a batch of " + batchSize + " items does not fit");
    this.priority = priority;
    this.capacity = capacity;
  }

  /** The queue that was full. */
  public Priority priority() {
    return priority;
  }

  /** The queue's capacity, in items. */
  public int capacity() {
    return capacity;
  }
}
