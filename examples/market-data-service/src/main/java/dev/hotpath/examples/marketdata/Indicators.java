package dev.hotpath.examples.marketdata;

import java.util.ArrayList;
import java.util.List;

/**
 * Technical indicators over a series of closing prices, oldest first. Each returns one value per
 * position from the first one the period allows: {@code values.get(0)} belongs to {@code
 * closes.get(firstIndex(kind, period))}. Pure functions; doubles, as charting needs no more.
 */
final class Indicators {
  private Indicators() {}

  /** The indicators the API serves. */
  enum Kind {
    /** Simple moving average: the mean of the last {@code period} closes. */
    SMA,
    /**
     * Exponential moving average with {@code alpha = 2 / (period + 1)}, seeded with the SMA of the
     * first {@code period} closes.
     */
    EMA,
    /**
     * Wilder's relative strength index: average gain and loss of the first {@code period} changes,
     * then smoothed as {@code avg = (avg × (period − 1) + current) / period}; {@code 100 − 100 / (1 +
     * gain / loss)}, 100 when there was no loss.
     */
    RSI;

    /** The position of the first close that gets a value. */
    int firstIndex(int period) {
      return this == RSI ? period : period - 1;
    }
  }

  /**
   * The indicator's values; empty when there are too few closes for one.
   *
   * @throws IllegalArgumentException when {@code period} is not positive
   */
  static List<Double> compute(Kind kind, int period, List<Double> closes) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive but was " + period);
    }
    return switch (kind) {
      case SMA -> sma(period, closes);
      case EMA -> ema(period, closes);
      case RSI -> rsi(period, closes);
    };
  }

  static List<Double> sma(int period, List<Double> closes) {
    List<Double> out = new ArrayList<>();
    double sum = 0;
    for (int i = 0; i < closes.size(); i++) {
      sum += closes.get(i);
      if (i >= period) {
        sum -= closes.get(i - period);
      }
      if (i >= period - 1) {
        out.add(sum / period);
      }
    }
    return out;
  }

  static List<Double> ema(int period, List<Double> closes) {
    List<Double> out = new ArrayList<>();
    if (closes.size() < period) {
      return out;
    }
    double alpha = 2.0 / (period + 1);
    double ema = sma(period, closes.subList(0, period)).get(0);
    out.add(ema);
    for (int i = period; i < closes.size(); i++) {
      ema = alpha * closes.get(i) + (1 - alpha) * ema;
      out.add(ema);
    }
    return out;
  }

  static List<Double> rsi(int period, List<Double> closes) {
    List<Double> out = new ArrayList<>();
    if (closes.size() <= period) {
      return out;
    }
    double gain = 0;
    double loss = 0;
    for (int i = 1; i <= period; i++) {
      double change = closes.get(i) - closes.get(i - 1);
      gain += Math.max(change, 0);
      loss += Math.max(-change, 0);
    }
    gain /= period;
    loss /= period;
    out.add(rsi(gain, loss));
    for (int i = period + 1; i < closes.size(); i++) {
      double change = closes.get(i) - closes.get(i - 1);
      gain = (gain * (period - 1) + Math.max(change, 0)) / period;
      loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
      out.add(rsi(gain, loss));
    }
    return out;
  }

  /**
   * Where the SMA of {@code fast} closes crosses the SMA of {@code slow} closes ({@code fast <
   * slow}): a cross up at {@code i} when the fast average is above the slow one at close {@code i}
   * and was not at close {@code i − 1}; a cross down the other way round. Positions are indices
   * into {@code closes}, from the first close after both averages have a value.
   */
  static List<Cross> smaCrosses(int fast, int slow, List<Double> closes) {
    if (fast <= 0 || fast >= slow) {
      throw new IllegalArgumentException("need 0 < fast < slow but fast was " + fast + " and slow " + slow);
    }
    List<Double> fastSma = sma(fast, closes);
    List<Double> slowSma = sma(slow, closes);
    // slowSma.get(j) belongs to close j + slow - 1, fastSma.get(j) to close j + fast - 1.
    List<Cross> crosses = new ArrayList<>();
    for (int i = slow; i < closes.size(); i++) {
      boolean above = fastSma.get(i - fast + 1) > slowSma.get(i - slow + 1);
      boolean wasAbove = fastSma.get(i - fast) > slowSma.get(i - slow);
      if (above != wasAbove) {
        crosses.add(new Cross(i, above));
      }
    }
    return crosses;
  }

  /** A cross of two averages at position {@code index} of the closes: {@code up} when the fast one rose above. */
  record Cross(int index, boolean up) {}

  private static double rsi(double gain, double loss) {
    return loss == 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
}
