package dev.hotpath.benchmarks.report;

import dev.hotpath.benchmarks.report.RunPlan.Iterations;
import dev.hotpath.benchmarks.report.RunPlan.Suite;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Defaults;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the {@link RunPlan}'s suites through JMH's API, one suite and thread count at a time, each
 * benchmark one fork at a time in rounds ({@link ForkRounds}).
 */
final class SuiteRunner {
  /** JVM start, state set-up (embedded servers take seconds) and tear-down, per fork: a guess. */
  static final double FORK_OVERHEAD_SECONDS = 4;
  /** A single-shot iteration has no set length; the engine's cold batch takes about ten. */
  static final double SINGLE_SHOT_SECONDS = 10;

  private final BenchmarkReport.Arguments arguments;
  private final PrintStream out;
  private final int forks;

  SuiteRunner(BenchmarkReport.Arguments arguments, PrintStream out) {
    this.arguments = arguments;
    this.out = out;
    this.forks = arguments.forks();
  }

  /** One suite run: a suite at one thread count, and the benchmarks it holds after {@code --include}. */
  private record PlannedRun(Suite suite, int threads, List<BenchmarkListEntry> benchmarks) {}

  /**
   * Runs every planned suite, writing each one's JSON and {@code machine.md} into the output
   * directory.
   *
   * @return a description of each run that failed; empty when all ran
   */
  List<String> runAll(String commandArguments) {
    try {
      Files.createDirectories(arguments.out());
    } catch (IOException e) {
      throw new UncheckedIOException("could not create " + arguments.out(), e);
    }
    List<PlannedRun> runs = plan();
    int total = total(runs);
    double totalEstimate = totalEstimate(runs);
    out.println("Asking the benchmark servers for their versions...");
    Map<String, String> machine = Machine.describe();
    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String command = "java -cp benchmarks/target/benchmarks.jar " + BenchmarkReport.class.getName()
        + (commandArguments.isBlank() ? "" : " " + commandArguments);
    writeMachine(machine, command, started, null, List.of());
    out.printf("%d benchmarks in %d suite runs, %d %s each; estimated %s. Writing %s%n", total, runs.size(), forks,
        forks == 1 ? "fork" : "forks", Progress.human(Duration.ofSeconds(Math.round(totalEstimate))), arguments.out());

    // Progress counts forks: each benchmark starts once per round.
    Progress progress = new Progress(out, total * forks, totalEstimate, System::nanoTime);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      PlannedRun run = runs.get(i);
      String name = run.suite().name() + " at " + run.threads() + (run.threads() == 1 ? " thread" : " threads");
      out.printf("== %s (run %d of %d) ==%n", name, i + 1, runs.size());
      Map<String, Double> estimates = new LinkedHashMap<>();
      // Per fork: each benchmark starts once per round.
      run.benchmarks().forEach(b -> estimates.put(b.getUsername(), estimateSeconds(b) / forks));
      progress.expect(estimates);
      Path json = arguments.out().resolve(run.suite().name() + "-t" + run.threads() + ".json");
      ReportFiles.delete(json); // an earlier run's file must not pass for this one's
      ForkRounds rounds = new ForkRounds();
      for (int round = 0; round < forks; round++) {
        for (String method : ForkRounds.order(methods(run), round)) {
          String what = name + ", " + method.substring(method.lastIndexOf('.') + 1) + ", round " + (round + 1)
              + " of " + forks;
          int expected = combinations(run, method);
          try {
            Collection<RunResult> results = new Runner(options(run, method).build(), progress).run();
            rounds.add(results);
            if (results.size() < expected) { // JMH drops a failed fork's results and goes on
              failures.add(what + ": " + results.size() + " of " + expected + " results, a fork failed");
            }
          } catch (RunnerException | RuntimeException e) {
            failures.add(what + ": " + e);
            out.println(what + " failed: " + e);
          }
        }
        if (!rounds.isEmpty()) {
          rounds.writeJson(json); // after every round, so an interrupted run keeps what it measured
        }
        writeMachine(machine, command, started, null, failures); // and says what failed so far
      }
      if (rounds.isEmpty()) {
        failures.add(name + ": no results");
      }
    }
    writeMachine(machine, command, started, Instant.now().truncatedTo(ChronoUnit.SECONDS), failures);
    return failures;
  }

  /** Prints each planned run, its benchmarks and the estimated time; runs nothing. */
  void list() {
    List<PlannedRun> runs = plan();
    for (PlannedRun run : runs) {
      double seconds = run.benchmarks().stream().mapToDouble(b -> combinations(b) * estimateSeconds(b)).sum();
      int benchmarks = total(List.of(run));
      out.printf("%s at %d %s: %d %s, about %s%n", run.suite().name(), run.threads(),
          run.threads() == 1 ? "thread" : "threads", benchmarks, benchmarks == 1 ? "benchmark" : "benchmarks",
          Progress.human(Duration.ofSeconds(Math.round(seconds))));
    }
    out.printf("%d benchmarks in %d suite runs, %d %s each; estimated %s%n", total(runs), runs.size(), forks,
        forks == 1 ? "fork" : "forks", Progress.human(Duration.ofSeconds(Math.round(totalEstimate(runs)))));
  }

  private static int total(List<PlannedRun> runs) {
    return runs.stream().flatMap(run -> run.benchmarks().stream()).mapToInt(SuiteRunner::combinations).sum();
  }

  private double totalEstimate(List<PlannedRun> runs) {
    return runs.stream().flatMap(run -> run.benchmarks().stream())
        .mapToDouble(b -> combinations(b) * estimateSeconds(b)).sum();
  }

  private List<PlannedRun> plan() {
    Iterable<BenchmarkListEntry> all = BenchmarkList.defaultList().find(
        OutputFormatFactory.createFormatInstance(out, VerboseMode.SILENT), List.of(".*"), List.of());
    List<PlannedRun> runs = new ArrayList<>();
    for (Suite suite : RunPlan.SUITES) {
      List<BenchmarkListEntry> benchmarks = new ArrayList<>();
      for (BenchmarkListEntry benchmark : all) {
        if (benchmark.getUserClassQName().equals(suite.className())
            && (arguments.include() == null || arguments.include().matcher(benchmark.getUsername()).find())) {
          benchmarks.add(benchmark);
        }
      }
      if (!benchmarks.isEmpty()) {
        suite.threads().forEach(threads -> runs.add(new PlannedRun(suite, threads, benchmarks)));
      }
    }
    return runs;
  }

  /** Results one fork of {@code method} gives: one per mode and param combination. */
  private static int combinations(PlannedRun run, String method) {
    return run.benchmarks().stream().filter(b -> b.getUsername().equals(method)).mapToInt(SuiteRunner::combinations).sum();
  }

  /** The run's benchmark methods, each once (JMH lists a method once per mode it runs in). */
  private static List<String> methods(PlannedRun run) {
    return run.benchmarks().stream().map(BenchmarkListEntry::getUsername).distinct().toList();
  }

  /** One fork of {@code benchmark} (every param combination of it) at the run's thread count. */
  private ChainedOptionsBuilder options(PlannedRun run, String benchmark) {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .forks(1)
        .threads(run.threads())
        .shouldFailOnError(false)
        .verbosity(VerboseMode.NORMAL)
        // Exactly this method: a name alone would also match a method it prefixes.
        .include("^" + Pattern.quote(benchmark) + "$");
    Iterations iterations = iterations(run.suite());
    if (iterations != null) {
      options.warmupIterations(iterations.warmup())
          .warmupTime(TimeValue.milliseconds(iterations.warmupTime().toMillis()))
          .measurementIterations(iterations.measurement())
          .measurementTime(TimeValue.milliseconds(iterations.measurementTime().toMillis()));
    }
    return options;
  }

  private Iterations iterations(Suite suite) {
    return arguments.quick() ? RunPlan.QUICK_ITERATIONS : suite.iterations();
  }

  /** One param combination of {@code benchmark}, in seconds, over every fork. */
  private double estimateSeconds(BenchmarkListEntry benchmark) {
    Suite suite = RunPlan.SUITES.stream()
        .filter(s -> s.className().equals(benchmark.getUserClassQName())).findFirst().orElseThrow();
    return estimateSeconds(benchmark, iterations(suite), forks);
  }

  static double estimateSeconds(BenchmarkListEntry benchmark, Iterations override, int forks) {
    boolean singleShot = benchmark.getMode() == Mode.SingleShotTime;
    int warmup = override != null ? override.warmup() : benchmark.getWarmupIterations()
        .orElse(singleShot ? Defaults.WARMUP_ITERATIONS_SINGLESHOT : Defaults.WARMUP_ITERATIONS);
    int measurement = override != null ? override.measurement() : benchmark.getMeasurementIterations()
        .orElse(singleShot ? Defaults.MEASUREMENT_ITERATIONS_SINGLESHOT : Defaults.MEASUREMENT_ITERATIONS);
    double warmupSeconds = singleShot ? SINGLE_SHOT_SECONDS : override != null
        ? override.warmupTime().toMillis() / 1000.0
        : seconds(benchmark.getWarmupTime().orElse(Defaults.WARMUP_TIME));
    double measurementSeconds = singleShot ? SINGLE_SHOT_SECONDS : override != null
        ? override.measurementTime().toMillis() / 1000.0
        : seconds(benchmark.getMeasurementTime().orElse(Defaults.MEASUREMENT_TIME));
    return forks * (FORK_OVERHEAD_SECONDS + warmup * warmupSeconds + measurement * measurementSeconds);
  }

  private static double seconds(TimeValue time) {
    return time.convertTo(TimeUnit.MILLISECONDS) / 1000.0;
  }

  /** How many param combinations JMH runs the benchmark at. */
  static int combinations(BenchmarkListEntry benchmark) {
    int combinations = 1;
    for (String[] values : benchmark.getParams().orElse(Map.of()).values()) {
      combinations *= Math.max(1, values.length);
    }
    return combinations;
  }

  /** {@code failures}: what failed, said in the results too, so a short row is not taken for a whole one. */
  private void writeMachine(Map<String, String> machine, String command, Instant started, Instant finished,
      List<String> failures) {
    StringBuilder md = new StringBuilder("## Machine\n\n| what | value |\n|---|---|\n");
    machine.forEach((name, value) -> md.append("| ").append(name).append(" | ").append(value).append(" |\n"));
    md.append("\n## Run\n\n");
    md.append("- command: `").append(command).append("`\n");
    md.append("- forks: ").append(forks)
        .append(forks > 1 ? " per benchmark, run in rounds (one fork of every benchmark of a suite per round,"
            + " in reverse order every other round), merged as JMH merges forks" : "")
        .append("; iterations: ");
    md.append(arguments.quick() ? describe(RunPlan.QUICK_ITERATIONS) + " (`--quick`: not for quoting)"
        : "each class's own `@Warmup`/`@Measurement`, else " + describe(RunPlan.SHORT_ITERATIONS));
    md.append("\n- thread counts: ");
    List<String> threads = new ArrayList<>();
    RunPlan.SUITES.forEach(s -> threads.add(s.name() + " " + s.threads()));
    md.append(String.join(", ", threads)).append('\n');
    if (arguments.include() != null) {
      md.append("- only benchmarks matching `").append(arguments.include().pattern()).append("`\n");
    }
    md.append("- started ").append(started).append(finished == null ? " (still running)" : ", finished " + finished)
        .append('\n');
    failures.forEach(failure -> md.append("- failed: ").append(failure).append('\n'));
    ReportFiles.writeString(arguments.out().resolve(ReportFiles.MACHINE), md.toString());
  }

  private static String describe(Iterations iterations) {
    return iterations.warmup() + " warmup × " + iterations.warmupTime().toMillis() + " ms, "
        + iterations.measurement() + " measured × " + iterations.measurementTime().toMillis() + " ms";
  }
}
