package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the files the README's Spring Boot section shows equal to the files this module builds
 * and tests, so that a team copies what works. In the README a shown file is a fenced block right
 * after {@code <!-- file: PATH -->} (the whole file, PATH from the repository's root) or {@code
 * <!-- file: PATH region NAME -->} (the lines between {@code README NAME: begin} and {@code README
 * NAME: end} in that file, without their common indentation).
 */
class ReadmeFilesTest {
  private static final Path ROOT = Path.of("..", "..");
  private static final Pattern SHOWN =
      Pattern.compile("<!-- file: (\\S+?)(?: region ([a-z0-9-]+))? -->\n```[a-z]*\n(.*?)```\n", Pattern.DOTALL);

  @Test
  void theReadmeShowsTheModulesFilesAsTheyAre() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    Map<String, String> shown = new LinkedHashMap<>();
    Matcher m = SHOWN.matcher(readme);
    while (m.find()) {
      String file = Files.readString(ROOT.resolve(m.group(1)), StandardCharsets.UTF_8);
      String expected = m.group(2) == null ? file : region(file, m.group(2));
      assertThat(m.group(3)).as("README block of %s%s (copy the file's text into the README)", m.group(1),
          m.group(2) == null ? "" : " region " + m.group(2)).isEqualTo(expected);
      shown.put(m.group(1), m.group(2));
    }
    assertThat(shown).containsOnlyKeys("examples/spring-boot/pom.xml",
        "examples/spring-boot/src/main/resources/application.yml",
        "examples/spring-boot/src/main/java/dev/hotpath/examples/spring/HotpathConfiguration.java");
  }

  @Test
  void aRegionIsItsLinesWithoutTheirCommonIndentation() {
    String file = "<a>\n  <!-- README x: begin -->\n  <b>\n    <c/>\n  </b>\n  <!-- README x: end -->\n</a>\n";

    assertThat(region(file, "x")).isEqualTo("<b>\n  <c/>\n</b>\n");
  }

  static String region(String file, String name) {
    Matcher m = Pattern.compile("README " + Pattern.quote(name) + ": begin[^\n]*\n(.*?)\n[^\n]*README "
        + Pattern.quote(name) + ": end", Pattern.DOTALL).matcher(file);
    assertThat(m.find()).as("region %s", name).isTrue();
    String[] lines = m.group(1).split("\n", -1);
    int indent = Integer.MAX_VALUE;
    for (String line : lines) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }
}
