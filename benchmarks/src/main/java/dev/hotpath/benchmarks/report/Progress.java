package dev.hotpath.benchmarks.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's output replaced by one line per fork of a benchmark (which one, i of N, the time left), a dot per
 * measured iteration and the score at the end. What the benchmarks themselves print is passed
 * through; JMH's own {@code # ...} status lines and SLF4J's notices are dropped. The time left is the estimate of what remains, scaled by how far the estimate of what
 * is done was off, so it corrects itself as the run goes.
 */
final class Progress implements OutputFormat {
  private final PrintStream out;
  private final int total;
  private final double totalEstimate;
  private final LongSupplier nanoTime;
  private final long startNanos;
  private Map<String, Double> estimates = Map.of();
  private int started;
  private double doneEstimate;
  private double currentEstimate;
  private String current;
  /** A benchmark's line is started and not ended (a fork whose JVM died gets no end). */
  private boolean open;

  /**
   * @param total forks in the whole report (methods × params × thread counts × forks)
   * @param totalEstimate their estimated time, in seconds
   */
  Progress(PrintStream out, int total, double totalEstimate, LongSupplier nanoTime) {
    this.out = out;
    this.total = total;
    this.totalEstimate = totalEstimate;
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
  }

  /** The estimate of each benchmark (by JMH's full name) in the run about to start, in seconds. */
  void expect(Map<String, Double> estimatesByBenchmark) {
    this.estimates = Map.copyOf(estimatesByBenchmark);
  }

  /** Time left, from the estimates and how long the done part took against its estimate. */
  Duration timeLeft() {
    double elapsed = (nanoTime.getAsLong() - startNanos) / 1e9;
    double pace = doneEstimate > 0 ? elapsed / doneEstimate : 1;
    return Duration.ofSeconds(Math.round(Math.max(0, totalEstimate - doneEstimate) * pace));
  }

  static String human(Duration duration) {
    long minutes = duration.toMinutes();
    return minutes >= 60
        ? minutes / 60 + " h " + minutes % 60 + " min"
        : minutes > 0 ? minutes + " min" : duration.toSeconds() + " s";
  }

  @Override
  public void startBenchmark(BenchmarkParams params) {
    if (open) {
      doneEstimate += currentEstimate;
      out.println(" no result");
    }
    open = true;
    started++;
    currentEstimate = estimates.getOrDefault(params.getBenchmark(), 0.0);
    Map<String, String> values = new TreeMap<>();
    params.getParamsKeys().forEach(key -> values.put(key, params.getParam(key)));
    String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', params.getBenchmark().lastIndexOf('.') - 1) + 1);
    current = name + (values.isEmpty() ? "" : " (" + Score.label(values) + ")") + ", " + params.getThreads()
        + (params.getThreads() == 1 ? " thread" : " threads");
    out.printf("[%d/%d] %s, about %s left ", started, total, current, human(timeLeft()));
    out.flush();
  }

  @Override
  public void iterationResult(BenchmarkParams benchmark, IterationParams params, int iteration, IterationResult data) {
    if (params.getType() == IterationType.MEASUREMENT) {
      out.print('.');
      out.flush();
    }
  }

  @Override
  public void endBenchmark(BenchmarkResult result) {
    doneEstimate += currentEstimate;
    if (result != null) {
      Result<?> primary = result.getPrimaryResult();
      out.println(" " + Format.score(primary.getScore(), primary.getScoreError(), primary.getScoreUnit()));
    } else {
      out.println(" failed");
    }
    open = false;
  }

  @Override
  public void iteration(BenchmarkParams benchmark, IterationParams params, int iteration) {}

  @Override
  public void startRun() {}

  @Override
  public void endRun(Collection<RunResult> results) {}

  @Override
  public void print(String s) {
    out.print(s);
  }

  @Override
  public void println(String s) {
    // SLF4J's "no providers" notice: the forks have no logging backend, on purpose.
    if (!s.startsWith("# ") && !s.startsWith("SLF4J(W)") && !s.isBlank()) {
      out.println(s);
    }
  }

  @Override
  public void flush() {
    out.flush();
  }

  @Override
  public void close() {
    out.flush();
  }

  @Override
  public void verbosePrintln(String s) {}

  @Override
  public void write(int b) {
    out.write(b);
  }

  @Override
  public void write(byte[] b) {
    out.write(b, 0, b.length);
  }
}
