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

  private static double rsi(double gain, double loss) {
    return loss == 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
}
