package dev.hotpath.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Settings of the write-behind buffer of a namespace in {@link WriteMode#WRITE_BEHIND}: its
 * capacity, batch size, how often it flushes, what happens when it is full, and how failed batches
 * are retried.
 *
 * <p>Writes are never dropped silently: when the buffer is full, {@link OverflowPolicy} decides
 * whether the caller waits or gets a {@link CacheWriteException}, and every overflow is counted.
 * {@link TieredCache#close()} flushes what was accepted before returning.
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
  private final Duration closeTimeout;

  private WriteBehind(Builder b) {
    this.capacity = b.capacity;
    this.batchSize = b.batchSize;
    this.flushInterval = b.flushInterval;
    this.overflowPolicy = b.overflowPolicy;
    this.blockTimeout = b.blockTimeout;
    this.retryBackoff = b.retryBackoff;
    this.closeTimeout = b.closeTimeout;
  }

  /** Defaults: capacity 10,000, batches of 100, flush every 100 ms, BLOCK for up to 1 s. */
  public static WriteBehind defaults() {
    return builder().build();
  }

  /** A new builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Most writes held at once. */
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

  /** First delay before retrying a failed batch; doubles per attempt, up to 30 times as long. */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** How long {@link TieredCache#close()} keeps retrying to deliver what is buffered. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  @Override
  public String toString() {
    return "WriteBehind[capacity=" + capacity + ", batchSize=" + batchSize + ", flushInterval="
        + flushInterval + ", overflowPolicy=" + overflowPolicy + ", blockTimeout=" + blockTimeout
        + ", retryBackoff=" + retryBackoff + ", closeTimeout=" + closeTimeout + "]";
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
    private Duration closeTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /** @throws IllegalArgumentException if not positive */
    public Builder capacity(int capacity) {
      Arguments.once(assigned, "capacity");
      this.capacity = Arguments.positive(capacity, "capacity");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder batchSize(int batchSize) {
      Arguments.once(assigned, "batchSize");
      this.batchSize = Arguments.positive(batchSize, "batchSize");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder flushInterval(Duration interval) {
      Arguments.once(assigned, "flushInterval");
      this.flushInterval = Arguments.positive(interval, "flushInterval");
      return this;
    }

    /** @throws NullPointerException if null */
    public Builder overflowPolicy(OverflowPolicy policy) {
      Arguments.once(assigned, "overflowPolicy");
      this.overflowPolicy = java.util.Objects.requireNonNull(policy, "overflowPolicy");
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder blockTimeout(Duration timeout) {
      Arguments.once(assigned, "blockTimeout");
      this.blockTimeout = Arguments.notNegative(timeout, "blockTimeout");
      return this;
    }

    /** @throws IllegalArgumentException if not positive */
    public Builder retryBackoff(Duration backoff) {
      Arguments.once(assigned, "retryBackoff");
      this.retryBackoff = Arguments.positive(backoff, "retryBackoff");
      return this;
    }

    /** @throws IllegalArgumentException if negative */
    public Builder closeTimeout(Duration timeout) {
      Arguments.once(assigned, "closeTimeout");
      this.closeTimeout = Arguments.notNegative(timeout, "closeTimeout");
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
