package dev.hotpath.benchmarks.report;

import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart as an SVG document: one bar per labelled value, its value printed at its
 * end, an error whisker where there is an error, and an x axis with ticks and a unit label.
 * Horizontal, so that long labels ({@code hotpath keys=1024 2 threads}) stay readable.
 */
final class SvgBarChart {
  private static final int WIDTH = 900;
  private static final int BAR_HEIGHT = 18;
  private static final int BAR_GAP = 6;
  private static final int TOP = 44;
  private static final int BOTTOM = 50;
  private static final int VALUE_LABEL_SPACE = 150;
  /** An estimate of one character's width at the 12 px font, to size the label column. */
  private static final double CHAR_WIDTH = 6.8;
  private static final int TICKS = 5;

  /**
   * One bar.
   *
   * @param error the half-width of the whisker; NaN for none
   * @param highlighted drawn in Hotpath's colour
   */
  record Bar(String label, double value, double error, boolean highlighted) {}

  private SvgBarChart() {}

  /**
   * The chart as an SVG document.
   *
   * @param title shown above the chart
   * @param axisLabel shown under the x axis, such as {@code ops/us (higher is better)}
   */
  static String render(String title, String axisLabel, List<Bar> bars) {
    int labelWidth = 10 + (int) (CHAR_WIDTH * bars.stream().mapToInt(b -> b.label().length()).max().orElse(0));
    int plotLeft = labelWidth + 10;
    int plotWidth = WIDTH - plotLeft - VALUE_LABEL_SPACE;
    int plotHeight = bars.size() * (BAR_HEIGHT + BAR_GAP) + BAR_GAP;
    int height = TOP + plotHeight + BOTTOM;
    double axisMax = niceCeiling(bars.stream()
        .mapToDouble(b -> b.value() + (Double.isNaN(b.error()) ? 0 : b.error())).max().orElse(1));

    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            + " font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height, WIDTH, height));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
        10, escape(title)));
    for (int i = 0; i <= TICKS; i++) {
      double value = axisMax * i / TICKS;
      double x = plotLeft + plotWidth * (value / axisMax);
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP, x, TOP + plotHeight));
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, TOP + plotHeight + 16,
          escape(Format.number(value))));
    }
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        plotLeft, TOP + plotHeight, plotLeft + plotWidth, TOP + plotHeight));
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        plotLeft, TOP, plotLeft, TOP + plotHeight));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
        plotLeft + plotWidth / 2, TOP + plotHeight + 38, escape(axisLabel)));

    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int y = TOP + BAR_GAP + i * (BAR_HEIGHT + BAR_GAP);
      double barWidth = Double.isNaN(bar.value()) ? 0 : plotWidth * (bar.value() / axisMax);
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", plotLeft - 6, y + BAR_HEIGHT - 5,
          escape(bar.label())));
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", plotLeft, y, barWidth, BAR_HEIGHT,
          bar.highlighted() ? "#d9480f" : "#4c6ef5"));
      double end = barWidth;
      if (!Double.isNaN(bar.error()) && bar.error() > 0) {
        double low = plotWidth * (Math.max(0, bar.value() - bar.error()) / axisMax);
        double high = plotWidth * ((bar.value() + bar.error()) / axisMax);
        int mid = y + BAR_HEIGHT / 2;
        svg.append(String.format(Locale.ROOT,
            "<path d=\"M%.1f %dH%.1fM%.1f %dV%dM%.1f %dV%d\" stroke=\"black\"/>%n",
            plotLeft + low, mid, plotLeft + high, plotLeft + low, mid - 4, mid + 4, plotLeft + high, mid - 4, mid + 4));
        end = Math.max(end, high);
      }
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
          plotLeft + end + 5, y + BAR_HEIGHT - 5,
          escape(Format.number(bar.value()) + (Double.isNaN(bar.error()) ? "" : " ± " + Format.number(bar.error())))));
    }
    return svg.append("</svg>\n").toString();
  }

  /** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n) at or above {@code value}. */
  static double niceCeiling(double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (step * power >= value) {
        return step * power;
      }
    }
    return 10 * power;
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
