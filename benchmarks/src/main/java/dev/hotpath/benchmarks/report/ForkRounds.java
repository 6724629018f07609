package dev.hotpath.benchmarks.report;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.WorkloadParams;

/**
 * The forks of a suite's benchmarks, run in rounds and merged. JMH runs every fork of one
 * benchmark before the next, so on a shared machine whose speed drifts during a run (a
 * neighbour starts or stops) Hotpath and the peer it is compared with are measured at different
 * times, and the drift lands in their ratio. Run in rounds, one fork of every benchmark per round
 * and in reverse order every other round, a drift over the run weighs on both about alike (with
 * an even number of rounds; an odd one leaves the last round's order unbalanced). Each
 * benchmark's forks are then merged into one result, as JMH merges the forks of one run: scores
 * and error bars over every fork's iterations, and the JSON's {@code forks} field saying how many
 * forks the result holds. Not thread-safe.
 */
final class ForkRounds {
  /**
   * By {@link BenchmarkParams#id()}: benchmark, mode, param names and values (the params'
   * {@code compareTo} compares values by their place in the {@code @Param} list, which a merged
   * result's rebuilt params lose).
   */
  private final Map<String, List<RunResult>> forks = new LinkedHashMap<>();

  /**
   * The order to run {@code benchmarks} in, in round {@code round} (from 0): as given in even
   * rounds, reversed in odd ones.
   */
  static <T> List<T> order(List<T> benchmarks, int round) {
    List<T> ordered = new ArrayList<>(benchmarks);
    if (round % 2 == 1) {
      Collections.reverse(ordered);
    }
    return ordered;
  }

  /** Adds the results of one JMH run of one fork. */
  void add(Collection<RunResult> results) {
    for (RunResult result : results) {
      forks.computeIfAbsent(result.getParams().id(), id -> new ArrayList<>()).add(result);
    }
  }

  boolean isEmpty() {
    return forks.isEmpty();
  }

  /** One result per benchmark, holding the forks of every round in the order they ran. */
  List<RunResult> merged() {
    // In JMH's order, from the params JMH made: they order a param's values by their place in its
    // @Param list, which the params withForks rebuilds cannot say.
    List<List<RunResult>> groups = new ArrayList<>(forks.values());
    groups.sort(Comparator.comparing(runs -> runs.get(0).getParams()));
    List<RunResult> merged = new ArrayList<>();
    for (List<RunResult> runs : groups) {
      List<BenchmarkResult> all = new ArrayList<>();
      runs.forEach(run -> all.addAll(run.getBenchmarkResults()));
      merged.add(new RunResult(withForks(runs.get(0).getParams(), all.size()), all));
    }
    return merged;
  }

  /**
   * {@code params} of one fork's run, saying {@code count} forks. Each param value's place in its
   * {@code @Param} list is not public, so the rebuilt params give every value of a param the same
   * place: they write the same JSON, but do not order or tell apart values by {@code compareTo}.
   */
  static BenchmarkParams withForks(BenchmarkParams params, int count) {
    WorkloadParams workload = new WorkloadParams();
    int order = 0;
    for (String key : params.getParamsKeys()) {
      workload.put(key, params.getParam(key), order++);
    }
    return new BenchmarkParams(params.getBenchmark(), params.generatedBenchmark(), params.shouldSynchIterations(),
        params.getThreads(), params.getThreadGroups(), params.getThreadGroupLabels(), count, params.getWarmupForks(),
        params.getWarmup(), params.getMeasurement(), params.getMode(), workload, params.getTimeUnit(),
        params.getOpsPerInvocation(), params.getJvm(), params.getJvmArgs(), params.getJdkVersion(),
        params.getVmName(), params.getVmVersion(), params.getJmhVersion(), params.getTimeout());
  }

  /** Writes {@link #merged()} as JMH's JSON ({@code -rf json}) to {@code file}, replacing it. */
  void writeJson(Path file) {
    try (PrintStream out = new PrintStream(file.toFile(), StandardCharsets.UTF_8)) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(merged());
      if (out.checkError()) {
        throw new IOException("write failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }
}
