package dev.hotpath.cache;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one warmup run.
 *
 * @param results one per strategy, in plan order
 * @param elapsed wall time of the run
 */
public record WarmupReport(List<Result> results, Duration elapsed) {

  public WarmupReport {
    results = List.copyOf(results);
  }

  /** Whether every strategy completed. */
  public boolean isComplete() {
    return results.stream().allMatch(r -> r.status() == Status.COMPLETED);
  }

  /** Entries warmed by all strategies. */
  public long entries() {
    return results.stream().mapToLong(Result::entries).sum();
  }

  /** How a strategy ended. */
  public enum Status {
    COMPLETED,
    FAILED,
    TIMED_OUT
  }

  /**
   * One strategy's outcome.
   *
   * @param strategy the strategy's name
   * @param status how it ended
   * @param entries entries it warmed
   * @param total entries it expected, or -1 when it never said
   * @param failure the exception when {@link Status#FAILED}, else null
   */
  public record Result(String strategy, Status status, long entries, long total, Throwable failure) {}
}
