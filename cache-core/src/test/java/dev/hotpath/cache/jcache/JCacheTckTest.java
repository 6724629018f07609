package dev.hotpath.cache.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.launcher.EngineFilter.includeEngines;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the JSR-107 TCK ({@code javax.cache:cache-tests}, its JUnit 4 tests through the vintage
 * engine) against Hotpath's provider, in the module's normal test run, and fails unless every TCK
 * test ran and passed.
 *
 * <p>The TCK is launched from here rather than scanned by Surefire because a count must be
 * checked: a Surefire scan of a dependency that is misnamed runs nothing and passes, and the TCK
 * reports the tests of its exclude list, and its annotation tests when no bean provider loads, as
 * passed. So this test asserts the number of tests that ran, counts the exclude list apart, and
 * checks that the annotation tests got their beans from {@link GuiceBeanProvider}.
 */
class JCacheTckTest {
  /** TCK tests in cache-tests 1.1.1 (its parameterized tests counted per parameter), as Caffeine's run finds. */
  private static final int EXPECTED_TESTS = 491;

  @Test
  void hotpathsProviderPassesTheJsr107Tck() throws IOException {
    Map<String, String> saved = new HashMap<>();
    set(saved, "javax.cache.CacheManager", HotpathCacheManager.class.getName());
    set(saved, "javax.cache.Cache", HotpathCache.class.getName());
    set(saved, "javax.cache.Cache.Entry", HotpathEntry.class.getName());
    Run run = new Run();
    try {
      LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
          .selectors(selectPackage("org.jsr107.tck"), selectPackage("javax.cache"))
          .filters(includeEngines("junit-vintage"), includeClassNamePatterns(".*Test"))
          .build();
      Launcher launcher = LauncherFactory.create();
      launcher.execute(request, run);
    } finally {
      saved.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
    }
    int excluded = excludeListSize();
    System.out.printf("JSR-107 TCK: %d run, %d passed (%d of them on the exclude list), %d failed;"
            + " %d annotation tests, %d beans looked up%n",
        run.started.get(), run.passed.get(), excluded, run.failures.size(), run.annotationTests.get(),
        GuiceBeanProvider.lookups());
    assertThat(run.failures).as("failed TCK tests").isEmpty();
    assertThat(run.started.get()).as("TCK tests run").isEqualTo(EXPECTED_TESTS);
    assertThat(run.annotationTests.get()).as("annotation tests run").isPositive();
    assertThat(GuiceBeanProvider.lookups())
        .as("beans the annotation tests looked up (none: the TCK skipped them and called them passed)")
        .isGreaterThanOrEqualTo(run.annotationTests.get());
  }

  private static void set(Map<String, String> saved, String key, String value) {
    saved.put(key, System.getProperty(key));
    System.setProperty(key, value);
  }

  /** The entries of the TCK's exclude list resource, which the TCK reports as passed. */
  private static int excludeListSize() throws IOException {
    try (InputStream in = JCacheTckTest.class.getClassLoader().getResourceAsStream("ExcludeList")) {
      assertThat(in).as("the ExcludeList resource").isNotNull();
      int entries = 0;
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank() && !line.trim().startsWith("#")) {
          entries++;
        }
      }
      return entries;
    }
  }

  /** Counts the TCK's tests and keeps each failure with its test's name. */
  private static final class Run implements TestExecutionListener {
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger passed = new AtomicInteger();
    final AtomicInteger annotationTests = new AtomicInteger();
    final List<String> failures = new ArrayList<>();

    @Override
    public void executionStarted(TestIdentifier id) {
      if (id.isTest()) {
        started.incrementAndGet();
        if (id.getSource().orElse(null) instanceof MethodSource m && m.getClassName().startsWith("org.jsr107.tck.annotation.")) {
          annotationTests.incrementAndGet();
        }
      }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
        if (id.isTest()) {
          passed.incrementAndGet();
        }
        return;
      }
      String where = id.getSource().map(Object::toString).orElse(id.getUniqueId());
      synchronized (failures) {
        failures.add(id.getDisplayName() + " [" + where + "]: "
            + result.getThrowable().map(JCacheTckTest::describe).orElse(result.getStatus().toString()));
      }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      synchronized (failures) {
        failures.add(id.getDisplayName() + " skipped: " + reason);
      }
    }
  }

  private static String describe(Throwable t) {
    StringBuilder s = new StringBuilder(t.toString());
    StackTraceElement[] trace = t.getStackTrace();
    for (int i = 0; i < Math.min(6, trace.length); i++) {
      s.append("\n      at ").append(trace[i]);
    }
    if (t.getCause() != null) {
      s.append("\n    caused by ").append(t.getCause());
    }
    return s.toString();
  }
}
