package dev.hotpath.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads the JSON JMH writes with {@code -rf json} ({@code ResultFormatType.JSON}). */
final class JmhJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JmhJson() {}

  /** Every score in every {@code *.json} file directly in {@code dir}, files in name order. */
  static List<Score> readDirectory(Path dir) {
    List<Score> scores = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
        scores.addAll(read(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + dir, e);
    }
    return scores;
  }

  static List<Score> read(Path file) {
    try {
      return parse(MAPPER.readTree(file.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read JMH results from " + file, e);
    }
  }

  static List<Score> parse(JsonNode results) {
    List<Score> scores = new ArrayList<>();
    for (JsonNode result : results) {
      String benchmark = result.path("benchmark").asText();
      int methodDot = benchmark.lastIndexOf('.');
      String className = benchmark.substring(0, methodDot);
      JsonNode metric = result.path("primaryMetric");
      Map<String, String> params = new LinkedHashMap<>();
      result.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      Map<String, Double> percentiles = new LinkedHashMap<>();
      if ("sample".equals(result.path("mode").asText())) {
        metric.path("scorePercentiles").fields()
            .forEachRemaining(e -> percentiles.put(e.getKey(), number(e.getValue())));
      }
      Map<String, SecondaryMetric> secondary = new LinkedHashMap<>();
      result.path("secondaryMetrics").fields().forEachRemaining(e -> {
        if (!isSamplePercentile(result, e.getKey())) {
          secondary.put(e.getKey(), secondaryMetric(e.getValue()));
        }
      });
      scores.add(new Score(
          className.substring(className.lastIndexOf('.') + 1),
          benchmark.substring(methodDot + 1),
          result.path("mode").asText(),
          result.path("threads").asInt(1),
          params,
          number(metric.path("score")),
          number(metric.path("scoreError")),
          metric.path("scoreUnit").asText(),
          percentiles,
          secondary));
    }
    return scores;
  }

  /**
   * In sample mode JMH also writes each percentile as a secondary metric ({@code p0.50}): the same
   * figures {@link Score#percentiles()} holds, so they are left out.
   */
  private static boolean isSamplePercentile(JsonNode result, String name) {
    return "sample".equals(result.path("mode").asText()) && name.matches("p\\d+\\.\\d+");
  }

  private static SecondaryMetric secondaryMetric(JsonNode metric) {
    List<Double> iterations = new ArrayList<>();
    for (JsonNode fork : metric.path("rawData")) {
      fork.forEach(iteration -> iterations.add(number(iteration)));
    }
    return new SecondaryMetric(metric.path("scoreUnit").asText(), iterations);
  }

  /**
   * A number as JMH writes it: a JSON number, or a string for what JSON cannot hold, {@code "NaN"}
   * for a value it could not compute and {@code "+INF"} or {@code "-INF"} for an infinite one. An
   * absent or null value is NaN.
   *
   * @throws NumberFormatException if the node is a string that is none of these nor a number
   */
  private static double number(JsonNode node) {
    if (node.isNumber()) {
      return node.asDouble();
    }
    String text = node.asText("NaN");
    return switch (text) {
      case "+INF" -> Double.POSITIVE_INFINITY;
      case "-INF" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }
}
