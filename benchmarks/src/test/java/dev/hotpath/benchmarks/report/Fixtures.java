package dev.hotpath.benchmarks.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** The small JMH JSON in test resources: hand-made in JMH 1.37's format, one score per case under test. */
final class Fixtures {
  private Fixtures() {}

  /** Copies {@code report/<name>} from test resources to {@code target}. */
  static Path copy(String name, Path target) {
    try (InputStream in = Objects.requireNonNull(Fixtures.class.getResourceAsStream("/report/" + name), name)) {
      Files.createDirectories(target.getParent());
      Files.copy(in, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Score> scores(Path dir) {
    return JmhJson.read(copy("jmh-results.json", dir.resolve("results.json")));
  }

  static Score score(List<Score> scores, String suite, String method) {
    return scores.stream().filter(s -> s.suite().equals(suite) && s.method().equals(method)).findFirst().orElseThrow();
  }
}
