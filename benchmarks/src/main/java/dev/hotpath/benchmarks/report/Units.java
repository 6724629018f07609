package dev.hotpath.benchmarks.report;

/** JMH's score units ({@code ops/us}, {@code ns/op}, ...), brought to seconds so two can be compared. */
final class Units {
  private Units() {}

  /**
   * The factor that turns a score in {@code unit} into operations per second (for a rate such as
   * {@code ops/ms}) or seconds per operation (for a time such as {@code us/op}).
   *
   * @throws IllegalArgumentException for a unit JMH does not print
   */
  static double toPerSecondOrSeconds(String unit) {
    if (unit.startsWith("ops/")) {
      return 1 / secondsIn(unit.substring("ops/".length()), unit);
    }
    if (unit.endsWith("/op")) {
      return secondsIn(unit.substring(0, unit.length() - "/op".length()), unit);
    }
    throw new IllegalArgumentException("unknown score unit: " + unit);
  }

  private static double secondsIn(String timeUnit, String unit) {
    return switch (timeUnit) {
      case "ns" -> 1e-9;
      case "us" -> 1e-6;
      case "ms" -> 1e-3;
      case "s" -> 1;
      case "min" -> 60;
      case "hr" -> 3600;
      case "day" -> 86_400;
      default -> throw new IllegalArgumentException("unknown score unit: " + unit);
    };
  }
}
