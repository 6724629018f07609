package dev.hotpath.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's Java snippets and the code {@link ReadmeSnippetTest} compiles and runs the
 * same text, so the two cannot drift. In the README a snippet is a {@code ```java} block right after
 * a {@code <!-- snippet: NAME -->} line; in the tests that run snippets ({@link #SNIPPETS}) it is
 * the region between {@code // README snippet NAME: begin} and {@code // README snippet NAME: end}. They are compared after removing
 * the common indentation, the README block's leading {@code import} lines (imports cannot stand
 * in a method) and the region's lines ending in {@code // test only} (assertions inside the
 * snippet's flow).
 *
 * <p>Run with {@code -Dhotpath.readme.update=true} to rewrite the README's blocks from the test's
 * regions instead of failing (the imports of each block are kept).
 */
class ReadmeSyncTest {
  private static final Path README = Path.of("..", "..", "README.md");
  /**
   * The tests that run README snippets: this module's, the engine's (they need engine test code),
   * and cache-redis's JCache one (the provider over a real Redis tier).
   */
  private static final List<Path> SNIPPETS = List.of(
      Path.of("src", "test", "java", "dev", "hotpath", "examples", "ReadmeSnippetTest.java"),
      Path.of("..", "..", "engine", "src", "test", "java", "dev", "hotpath", "HotpathReadmeSnippetTest.java"),
      Path.of("..", "..", "cache-redis", "src", "test", "java", "dev", "hotpath", "cache", "redis", "JCacheReadmeSnippetTest.java"),
      Path.of("..", "..", "engine", "src", "test", "java", "dev", "hotpath", "engine", "ReadmeEngineSnippetTest.java"),
      Path.of("..", "..", "engine", "src", "test", "java", "dev", "hotpath", "engine", "TimeframesReadmeSnippetTest.java"));
  private static final Pattern README_BLOCK =
      Pattern.compile("<!-- snippet: ([a-z0-9-]+) -->\n```java\n(.*?)```\n", Pattern.DOTALL);
  private static final Pattern REGION = Pattern.compile(
      "// README snippet ([a-z0-9-]+): begin\n(.*?)\n[ \t]*// README snippet \\1: end", Pattern.DOTALL);
  private static final String TEST_ONLY = "// test only";

  @Test
  void everyReadmeSnippetIsTheCodeTheTestRuns() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    Map<String, String> regions = new LinkedHashMap<>();
    for (Path source : SNIPPETS) {
      regions.putAll(regions(Files.readString(source, StandardCharsets.UTF_8)));
    }
    Map<String, String> blocks = new LinkedHashMap<>();
    Matcher m = README_BLOCK.matcher(readme);
    while (m.find()) {
      blocks.put(m.group(1), m.group(2));
    }
    if (Boolean.getBoolean("hotpath.readme.update")) {
      Files.writeString(README, rewrite(readme, regions), StandardCharsets.UTF_8);
      return;
    }
    assertThat(blocks.keySet()).as("README snippets").containsExactlyInAnyOrderElementsOf(regions.keySet());
    for (Map.Entry<String, String> block : blocks.entrySet()) {
      assertThat(withoutImports(block.getValue()))
          .as("README snippet '%s' differs from its region in the test that runs it"
              + " (rerun with -Dhotpath.readme.update=true to copy the test's code into the README)", block.getKey())
          .isEqualTo(regions.get(block.getKey()));
    }
  }

  @Test
  void theComparisonSeesADifferenceOfOneCharacter() {
    String source = "  void t() {\n    // README snippet x: begin\n    int a = 1;\n"
        + "    check(a); // test only\n    // README snippet x: end\n  }\n";
    assertThat(regions(source)).containsEntry("x", "int a = 1;\n");
    assertThat(withoutImports("import a.b;\n\nint a = 1;\n")).isEqualTo("int a = 1;\n");
    assertThat(withoutImports("int a = 2;\n")).isNotEqualTo(regions(source).get("x"));
  }

  /** Each region's code: dedented, without test-only lines, ending in a newline. */
  static Map<String, String> regions(String source) {
    Map<String, String> regions = new LinkedHashMap<>();
    Matcher m = REGION.matcher(source);
    while (m.find()) {
      List<String> lines = new ArrayList<>();
      for (String line : m.group(2).split("\n", -1)) {
        if (!line.stripTrailing().endsWith(TEST_ONLY)) {
          lines.add(line);
        }
      }
      regions.put(m.group(1), dedent(lines));
    }
    return regions;
  }

  static String withoutImports(String block) {
    List<String> lines = new ArrayList<>(List.of(block.split("\n", -1)));
    while (!lines.isEmpty() && (lines.get(0).startsWith("import ") || lines.get(0).isBlank())) {
      lines.remove(0);
    }
    return dedent(lines);
  }

  private static String dedent(List<String> lines) {
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent).stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String rewrite(String readme, Map<String, String> regions) {
    Matcher m = README_BLOCK.matcher(readme);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String code = regions.get(m.group(1));
      if (code == null) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
        continue;
      }
      StringBuilder imports = new StringBuilder();
      for (String line : m.group(2).split("\n")) {
        if (!line.startsWith("import ")) {
          break;
        }
        imports.append(line).append('\n');
      }
      String body = (imports.length() > 0 ? imports + "\n" : "") + code;
      m.appendReplacement(out, Matcher.quoteReplacement(
          "<!-- snippet: " + m.group(1) + " -->\n```java\n" + body + "```\n"));
    }
    m.appendTail(out);
    return out.toString();
  }
}
