package dev.hotpath.benchmarks.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** How the report prints numbers: three significant digits, whole numbers grouped. */
final class Format {
  private Format() {}

  static String number(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "∞" : "-∞";
    }
    double magnitude = Math.abs(value);
    if (magnitude >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (magnitude == 0) {
      return "0";
    }
    return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  /** {@code 12.3 ± 0.4 ops/us}, or without the ± part when JMH gave no error. */
  static String score(double score, double error, String unit) {
    return number(score) + (Double.isNaN(error) ? "" : " ± " + number(error)) + " " + unit;
  }

  static String ratio(double ratio) {
    return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f×", ratio);
  }
}
