package dev.hotpath.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Settings of the write-behind buffer of a namespace in {@link WriteMode#WRITE_BEHIND}: its
 * capacity, batch size, how often it flushes, what happens when it is full, and how failed writes
 * are retried and when they are given up.
 *
 * <p><b>Order.</b> Writes reach the {@link CacheWriter} in batches, in the order they were
 * accepted; writes to one key always do. Writes to different keys may be reordered around a
 * failure, when a write that failed is passed by later ones.
 *
 * <p><b>Failures.</b> When {@link CacheWriter#writeAll} throws, the batch is split in halves and
 * each half sent again, down to single writes, so that the writes the writer refuses are set aside
 * and the rest written at once. A write that failed is retried after {@link #retryBackoff()},
 * doubling per attempt, while later writes go on, except later writes of its key, which wait
 * behind it. After {@link #maxAttempts()} failed attempts (rounds in which a call with it threw),
 * it is given up: handed to the namespace's {@link DeadLetterHandler} (by default logged at ERROR
 * without its value) and counted in {@link WriteBehindStats#deadLetters()}. When the writer fails
 * everything (it is down), the buffer backs off as a whole and retries a few calls per backoff;
 * writes are given up only once they used their attempts, which at the defaults takes about 30 s.
 * The buffer logs a failure once, at WARN, when writes start failing, and once, at INFO, when no
 * failing write is left.
 *
 * <p><b>Reads.</b> A read that no tier answers is answered from the buffer when it holds a write of
 * the key not yet written or given up (the latest such), not from the {@link CacheLoader}, which
 * would return what the system of record held before that write. Invalidating a key does not
 * cancel its buffered write: the write is still delivered, and reads keep being answered from it
 * until it is.
 *
 * <p><b>Overflow and close.</b> Writes are never dropped silently: when the buffer is full, {@link
 * OverflowPolicy} decides whether the caller waits or gets a {@link CacheWriteException}, and
 * every overflow is counted. {@link TieredCache#close()} flushes what was accepted before
 * returning.
 *
 * <p>Immutable and thread-safe.
 */
public final class WriteBehind {

  /** What a {@code put} does when the write-behind buffer is full. */
  public enum OverflowPolicy {
    /** Wait for space up to {@link Builder#blockTimeout}, then throw {@link CacheWriteException}. */
    BLOCK,
    /** Throw {@link CacheWriteException} at once. */
    REJECT
  }

  private final int capacity;
  private final int batchSize;
  private final Duration flushInterval;
  private final OverflowPolicy overflowPolicy;
  private final Duration blockTimeout;
  private final Duration retryBackoff;
  private final int maxAttempts;
  private final Duration closeTimeout;

  private WriteBehind(Builder b) {
    this.capacity = b.capacity;
    this.batchSize = b.batchSize;
    this.flushInterval = b.flushInterval;
    this.overflowPolicy = b.overflowPolicy;
    this.blockTimeout = b.blockTimeout;
    this.retryBackoff = b.retryBackoff;
    this.maxAttempts = b.maxAttempts;
    this.closeTimeout = b.closeTimeout;
  }

  /**
   * Defaults: capacity 10,000, batches of 100, flush every 100 ms, BLOCK for up to 1 s, retry after
   * 50 ms doubling up to 1.5 s, give a write up after 25 failed attempts (about 30 s), close within
   * 30 s.
   */
  public static WriteBehind defaults() {
    return builder().build();
  }

  /** A new builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Most writes held at once: accepted and not yet written or given up. */
  public int capacity() {
    return capacity;
  }

  /** Most writes per {@link CacheWriter#writeAll} call. */
  public int batchSize() {
    return batchSize;
  }

  /** Longest a write waits in the buffer before a flush starts. */
  public Duration flushInterval() {
    return flushInterval;
  }

  /** What a {@code put} does when the buffer is full. */
  public OverflowPolicy overflowPolicy() {
    return overflowPolicy;
  }

  /** How long {@link OverflowPolicy#BLOCK} waits for space. */
  public Duration blockTimeout() {
    return blockTimeout;
  }

  /**
   * First delay before retrying a failed write; doubles per attempt, up to 30 times as long. Also
   * the first pause of the whole buffer when the writer fails everything it is given.
   */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /**
   * Failed attempts after which a write is given up and handed to the {@link DeadLetterHandler}.
   * An attempt is a round of delivery in which a call of the writer with the write threw: a failed
   * batch split and sent again in parts counts once, and a write that waited, untried, behind a
   * failing write of its key is not counted.
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** How long {@link TieredCache#close()} keeps retrying to deliver what is buffered. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  @Override
  public String toString() {
    return "WriteBehind[capacity=" + capacity + ", batchSize=" + batchSize + ", flushInterval="
        + flushInterval + ", overflowPolicy=" + overflowPolicy + ", blockTimeout=" + blockTimeout
        + ", retryBackoff=" + retryBackoff + ", maxAttempts=" + maxAttempts + ", closeTimeout=" + closeTimeout
        + "]";
  }

  /** Builds {@link WriteBehind} settings. Each setter may be called once ({@link IllegalStateException} otherwise). Not thread-safe. */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private int capacity = 10_000;
    private int batchSize = 100;
    private Duration flushInterval = Duration.ofMillis(100);
    private OverflowPolicy overflowPolicy = OverflowPolicy.BLOCK;
    private Duration blockTimeout = Duration.ofSeconds(1);
    private Duration retryBackoff = Duration.ofMillis(50);
    private int maxAttempts = 25;
    private Duration closeTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /** @throws IllegalArgumentException if not positive */
    public Builder capacity(int capacity) {
      Arguments.unassigned(assigned, "capacity");
      this.capacity = Arguments.positive(capacity, "capacity");
      assigned.add("capacity");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder batchSize(int batchSize) {
      Arguments.unassigned(assigned, "batchSize");
      this.batchSize = Arguments.positive(batchSize, "batchSize");
      assigned.add("batchSize");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder flushInterval(Duration interval) {
      Arguments.unassigned(assigned, "flushInterval");
      this.flushInterval = Arguments.positive(interval, "flushInterval");
      assigned.add("flushInterval");
      return this;
    }

    /** @throws NullPointerException if null */
    public Builder overflowPolicy(OverflowPolicy policy) {
      Arguments.unassigned(assigned, "overflowPolicy");
      this.overflowPolicy = java.util.Objects.requireNonNull(policy, "overflowPolicy");
      assigned.add("overflowPolicy");
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder blockTimeout(Duration timeout) {
      Arguments.unassigned(assigned, "blockTimeout");
      this.blockTimeout = Arguments.notNegative(timeout, "blockTimeout");
      assigned.add("blockTimeout");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder retryBackoff(Duration backoff) {
      Arguments.unassigned(assigned, "retryBackoff");
      this.retryBackoff = Arguments.positive(backoff, "retryBackoff");
      assigned.add("retryBackoff");
      return this;
    }

    /**
     * Failed attempts before a write is given up (default 25: with the default backoff, about 30
     * s of retrying). {@link Integer#MAX_VALUE} retries for as long as the cache is open.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxAttempts(int maxAttempts) {
      Arguments.unassigned(assigned, "maxAttempts");
      this.maxAttempts = Arguments.positive(maxAttempts, "maxAttempts");
      assigned.add("maxAttempts");
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder closeTimeout(Duration timeout) {
      Arguments.unassigned(assigned, "closeTimeout");
      this.closeTimeout = Arguments.notNegative(timeout, "closeTimeout");
      assigned.add("closeTimeout");
      return this;
    }

    /** @throws IllegalStateException when {@code batchSize} exceeds {@code capacity} */
    public WriteBehind build() {
      if (batchSize > capacity) {
        throw new IllegalStateException(
            "batchSize (" + batchSize + ") must not exceed capacity (" + capacity + ")");
      }
      return new WriteBehind(this);
    }
  }
}
