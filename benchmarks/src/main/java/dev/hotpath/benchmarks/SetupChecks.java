package dev.hotpath.benchmarks;

import java.util.Map;
import java.util.Objects;

/**
 * Checks a benchmark's {@code @Setup} runs before measuring: a contender that answers a read with
 * anything but the value written (a miss, a stale or foreign value) fails the run at once, rather
 * than reporting the speed of its misses.
 */
final class SetupChecks {
  private SetupChecks() {}

  /** Throws unless {@code actual} equals {@code expected}. */
  static void expect(String contender, String key, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) {
      throw new IllegalStateException(
          contender + " returned " + actual + " for " + key + " where " + expected + " was written");
    }
  }

  /** Throws unless {@code actual} holds exactly {@code expected}. */
  static void expectAll(String contender, Map<String, String> expected, Map<String, String> actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException(
          contender + " returned " + actual.size() + " entries for " + expected.size()
              + " keys, or other values than were written");
    }
  }
}
