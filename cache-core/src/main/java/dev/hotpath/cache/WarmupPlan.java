package dev.hotpath.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The warmup strategies a cache runs on {@link TieredCache#warmUp()}: in parallel, within a
 * deadline, reporting progress, and optionally again on an interval.
 *
 * <p>Immutable and thread-safe.
 */
public final class WarmupPlan {
  private final List<WarmupStrategy> strategies;
  private final Duration deadline;
  private final int parallelism;
  private final WarmupListener listener;
  private final Duration repeatEvery;

  private WarmupPlan(Builder b) {
    this.strategies = List.copyOf(b.strategies);
    this.deadline = b.deadline;
    this.parallelism = b.parallelism;
    this.listener = b.listener;
    this.repeatEvery = b.repeatEvery;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The strategies, in the order added. */
  public List<WarmupStrategy> strategies() {
    return strategies;
  }

  /** How long a run may take; strategies still running then are interrupted. */
  public Duration deadline() {
    return deadline;
  }

  /** Most strategies running at once. */
  public int parallelism() {
    return parallelism;
  }

  /** The progress listener, or null. */
  public WarmupListener listener() {
    return listener;
  }

  /** Interval between repeated runs, or null for one run. */
  public Duration repeatEvery() {
    return repeatEvery;
  }

  List<String> namespaces() {
    return strategies.stream().map(WarmupStrategy::namespace).toList();
  }

  @Override
  public String toString() {
    return "WarmupPlan[" + strategies.stream().map(WarmupStrategy::name).toList() + ", deadline="
        + deadline + ", parallelism=" + parallelism + ", repeatEvery=" + repeatEvery + "]";
  }

  /**
   * Builds a {@link WarmupPlan}. Each setter may be called once ({@link IllegalStateException}
   * otherwise); {@link #strategy} adds one per call. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private final List<WarmupStrategy> strategies = new ArrayList<>();
    private Duration deadline = Duration.ofSeconds(30);
    private int parallelism = 4;
    private WarmupListener listener;
    private Duration repeatEvery;

    private Builder() {}

    /** Adds a strategy. */
    public Builder strategy(WarmupStrategy strategy) {
      strategies.add(Objects.requireNonNull(strategy, "strategy"));
      return this;
    }

    /** Default 30 s. @throws IllegalArgumentException if not positive */
    public Builder deadline(Duration deadline) {
      Arguments.unassigned(assigned, "deadline");
      this.deadline = Arguments.positive(deadline, "deadline");
      assigned.add("deadline");
      return this;
    }

    /** Default 4. @throws IllegalArgumentException if not positive */
    public Builder parallelism(int parallelism) {
      Arguments.unassigned(assigned, "parallelism");
      this.parallelism = Arguments.positive(parallelism, "parallelism");
      assigned.add("parallelism");
      return this;
    }

    /** Receives progress. */
    public Builder listener(WarmupListener listener) {
      Arguments.unassigned(assigned, "listener");
      this.listener = Objects.requireNonNull(listener, "listener");
      assigned.add("listener");
      return this;
    }

    /** Runs the plan again every {@code interval} after the first run. @throws IllegalArgumentException if not positive */
    public Builder repeatEvery(Duration interval) {
      Arguments.unassigned(assigned, "repeatEvery");
      this.repeatEvery = Arguments.positive(interval, "repeatEvery");
      assigned.add("repeatEvery");
      return this;
    }

    /**
     * The plan.
     *
     * @throws IllegalStateException when no strategy was added, or two share a name
     */
    public WarmupPlan build() {
      if (strategies.isEmpty()) {
        throw new IllegalStateException("a warmup plan needs at least one strategy");
      }
      long distinct = strategies.stream().map(WarmupStrategy::name).distinct().count();
      if (distinct != strategies.size()) {
        throw new IllegalStateException(
            "warmup strategy names must be unique but were " + strategies.stream().map(WarmupStrategy::name).toList());
      }
      return new WarmupPlan(this);
    }
  }
}
