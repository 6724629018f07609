package dev.hotpath.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.ThroughputResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.TimeValue;

class ForkRoundsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void roundsRunTheBenchmarksInReverseOrderEveryOtherRound() {
    List<String> benchmarks = List.of("caffeine", "hotpath", "jcache");
    assertThat(ForkRounds.order(benchmarks, 0)).containsExactly("caffeine", "hotpath", "jcache");
    assertThat(ForkRounds.order(benchmarks, 1)).containsExactly("jcache", "hotpath", "caffeine");
    assertThat(ForkRounds.order(benchmarks, 2)).containsExactly("caffeine", "hotpath", "jcache");
    assertThat(benchmarks).containsExactly("caffeine", "hotpath", "jcache");
  }

  @Test
  void forksRunInRoundsMergeIntoWhatOneRunOfBothForksWouldWrite() throws IOException {
    BenchmarkParams oneFork = params("hotpath", "1024", 1);
    BenchmarkResult first = fork(oneFork, 10, 12, 11);
    BenchmarkResult second = fork(oneFork, 6, 8, 7);
    BenchmarkParams otherKeys = params("hotpath", "65536", 1);
    ForkRounds rounds = new ForkRounds();
    // keys=65536 is seen first; the file still lists keys=1024 first, as JMH would.
    rounds.add(List.of(new RunResult(otherKeys, List.of(fork(otherKeys, 3, 3, 3))), new RunResult(oneFork, List.of(first))));
    rounds.add(List.of(new RunResult(oneFork, List.of(second)), new RunResult(otherKeys, List.of(fork(otherKeys, 5, 5, 5)))));
    Path merged = dir.resolve("merged.json");
    rounds.writeJson(merged);

    Path direct = dir.resolve("direct.json");
    try (PrintStream out = new PrintStream(direct.toFile(), StandardCharsets.UTF_8)) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, out)
          .writeOut(List.of(new RunResult(params("hotpath", "1024", 2), List.of(first, second))));
    }
    JsonNode expected = MAPPER.readTree(direct.toFile()).get(0);
    JsonNode mergedResults = MAPPER.readTree(merged.toFile());
    assertThat(mergedResults).hasSize(2);
    JsonNode actual = mergedResults.get(0);
    assertThat(actual.get("params").get("keys").asText()).isEqualTo("1024");
    assertThat(actual.get("forks").asInt()).isEqualTo(2);
    assertThat(actual.get("primaryMetric")).isEqualTo(expected.get("primaryMetric"));
    assertThat(actual.get("primaryMetric").get("score").asDouble()).isEqualTo(9.0);
    assertThat(actual.get("primaryMetric").get("rawData")).hasSize(2);
    assertThat(mergedResults.get(1).get("primaryMetric").get("score").asDouble()).isEqualTo(4.0);

    List<Score> scores = JmhJson.read(merged);
    assertThat(scores).extracting(Score::score).containsExactly(9.0, 4.0);
    assertThat(scores.get(0).error()).isEqualTo(expected.get("primaryMetric").get("scoreError").asDouble());
  }

  private static BenchmarkParams params(String method, String keys, int forks) {
    WorkloadParams workload = new WorkloadParams();
    workload.put("keys", keys, List.of("1024", "65536").indexOf(keys)); // the value's place in @Param
    return new BenchmarkParams("dev.hotpath.benchmarks.MemoryTierReadBenchmark." + method, "generated", false, 1,
        new int[] {1}, List.of(), forks, 0, new IterationParams(IterationType.WARMUP, 1, TimeValue.seconds(1), 1),
        new IterationParams(IterationType.MEASUREMENT, 3, TimeValue.seconds(1), 1), Mode.Throughput, workload,
        TimeUnit.MICROSECONDS, 1, "java", List.of(), "17", "vm", "17", "1.37", TimeValue.minutes(10));
  }

  /** One fork whose iterations scored {@code opsPerMicrosecond} each, over one second. */
  private static BenchmarkResult fork(BenchmarkParams params, double... opsPerMicrosecond) {
    List<IterationResult> iterations = new ArrayList<>();
    for (double score : opsPerMicrosecond) {
      IterationResult iteration = new IterationResult(params, params.getMeasurement(), new IterationResultMetaData(0, 0));
      iteration.addResult(new ThroughputResult(ResultRole.PRIMARY, "hotpath", score * 1_000_000, 1_000_000_000L,
          TimeUnit.MICROSECONDS));
      iterations.add(iteration);
    }
    return new BenchmarkResult(params, iterations);
  }
}
