package dev.hotpath.benchmarks.report;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Runs every benchmark suite and writes a report, or regenerates a report and the README's table
 * from results already written. From the repository's root:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.hotpath.benchmarks.report.BenchmarkReport [options]
 *
 *   (no option)       run every suite, two forks each, into benchmarks/results/&lt;UTC date&gt;/
 *   --quick           one fork and short iterations: to see it work, not to quote
 *   --forks N         N forks of each benchmark instead (at least 1; an even N balances the
 *                     rounds' order), run in rounds
 *   --include REGEX   only the benchmarks whose full name (class.method) REGEX finds
 *   --out DIR         write into DIR instead
 *   --list            print the planned runs and the estimated time, run nothing
 *   --from DIR        run nothing: regenerate DIR's report.md and charts from its JSON
 *   --readme FILE     with --from: rewrite FILE's table between the bench-table markers
 * </pre>
 *
 * <p>The results directory gets one JMH JSON file per suite and thread count, {@code machine.md}
 * (the machine and the run's settings), {@code report.md} (ratios against each peer, with error
 * bars and goals; the goals on Hotpath's own auxiliary counters; each suite's scores and counters)
 * and an SVG bar chart per suite. Suites run one at a
 * time, each at the thread counts in {@link RunPlan}, and a suite's benchmarks one fork at a time in
 * rounds (see {@link ForkRounds}); before each fork a line says which benchmark, i of N, and the
 * time left. Not thread-safe; meant to be the only thing loading the machine.
 */
public final class BenchmarkReport {
  static final String USAGE = "usage: BenchmarkReport [--quick] [--forks N] [--include REGEX] [--out DIR] [--list]"
      + " | --from DIR [--readme FILE]";

  private BenchmarkReport() {}

  /**
   * Runs the report as the arguments say; exits with status 2 on a bad argument and 1 when a
   * fork failed (the report is still written: a benchmark none of whose forks ran is missing from
   * it, one with a failed fork shows the others; the failures are printed, with their rounds, and
   * written into {@code machine.md}, which the report includes).
   */
  public static void main(String[] args) throws Exception {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (arguments.from() != null) {
      regenerate(arguments, System.out);
      return;
    }
    SuiteRunner runner = new SuiteRunner(arguments, System.out);
    if (arguments.list()) {
      runner.list();
      return;
    }
    List<String> failures = runner.runAll(shellWords(args));
    ReportFiles.Rows rows = ReportFiles.write(arguments.out(), Comparisons.ALL, Comparisons.COUNTER_GOALS);
    System.out.println("Wrote " + arguments.out().resolve(ReportFiles.REPORT) + summary(rows));
    if (!failures.isEmpty()) {
      System.err.println("Failed: " + String.join("; ", failures));
      System.exit(1);
    }
  }

  static void regenerate(Arguments arguments, PrintStream out) {
    ReportFiles.Rows rows = ReportFiles.write(arguments.from(), Comparisons.ALL, Comparisons.COUNTER_GOALS);
    out.println("Wrote " + arguments.from().resolve(ReportFiles.REPORT) + summary(rows));
    if (arguments.readme() != null) {
      String link = ReadmeTable.link(arguments.readme(), arguments.from().resolve(ReportFiles.REPORT));
      String readme = ReportFiles.read(arguments.readme());
      ReportFiles.writeString(arguments.readme(), ReadmeTable.rewrite(readme, rows, link));
      out.println("Rewrote the table in " + arguments.readme());
    }
  }

  /** The arguments as a shell would need them typed, so the recorded command can be pasted. */
  static String shellWords(String... args) {
    List<String> words = new ArrayList<>();
    for (String arg : args) {
      words.add(arg.matches("[A-Za-z0-9._/=:-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
    }
    return String.join(" ", words);
  }

  private static String summary(ReportFiles.Rows rows) {
    Map<RatioRow.Verdict, Long> counts = new java.util.EnumMap<>(RatioRow.Verdict.class);
    rows.ratios().forEach(row -> counts.merge(row.verdict(), 1L, Long::sum));
    rows.counterGoals().forEach(row -> counts.merge(row.verdict(), 1L, Long::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((verdict, count) -> parts.add(count + " " + verdict.label));
    return ": " + String.join(", ", parts);
  }

  /**
   * The parsed command line.
   *
   * @param out where a run writes; null with {@code --from}
   * @param include a regex over benchmarks' full names; null for every one
   * @param from the results directory to regenerate from; null to run
   * @param readme the README whose table to rewrite; only with {@code from}
   * @param list print the plan instead of running it
   * @param forks forks of each benchmark, at least 1
   */
  record Arguments(boolean quick, Pattern include, Path out, Path from, Path readme, boolean list, int forks) {

    static Arguments parse(String... args) {
      boolean quick = false;
      Pattern include = null;
      Path out = null;
      Path from = null;
      Path readme = null;
      boolean list = false;
      Integer forks = null;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--quick" -> quick = true;
          case "--include" -> include = regex(value(args, ++i, arg));
          case "--out" -> out = Path.of(value(args, ++i, arg));
          case "--from" -> from = Path.of(value(args, ++i, arg));
          case "--readme" -> readme = Path.of(value(args, ++i, arg));
          case "--list" -> list = true;
          case "--forks" -> forks = forks(value(args, ++i, arg));
          default -> throw new IllegalArgumentException("unknown argument: " + arg);
        }
      }
      if (from != null && (quick || include != null || out != null || list || forks != null)) {
        throw new IllegalArgumentException("--from regenerates a report and runs nothing: it takes only --readme");
      }
      if (readme != null && from == null) {
        throw new IllegalArgumentException("--readme needs --from DIR, the results its table comes from");
      }
      if (from != null && !Files.isDirectory(from)) {
        throw new IllegalArgumentException("--from is not a directory: " + from);
      }
      if (readme != null && !Files.isRegularFile(readme)) {
        throw new IllegalArgumentException("--readme is not a file: " + readme);
      }
      if (from == null && out == null) {
        out = Path.of("benchmarks", "results", LocalDate.now(ZoneOffset.UTC).toString());
      }
      return new Arguments(quick, include, out, from, readme, list,
          forks != null ? forks : quick ? RunPlan.QUICK_FORKS : RunPlan.FORKS);
    }

    private static int forks(String text) {
      try {
        int forks = Integer.parseInt(text);
        if (forks >= 1) {
          return forks;
        }
      } catch (NumberFormatException e) {
        // said below
      }
      throw new IllegalArgumentException("--forks must be a whole number of at least 1, was " + text);
    }

    private static String value(String[] args, int index, String option) {
      if (index >= args.length || args[index].startsWith("--")) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[index];
    }

    private static Pattern regex(String text) {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("--include is not a regex: " + text, e);
      }
    }
  }
}
