package dev.hotpath.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The length of a candle: a whole number of minutes that divides a day, such as {@link #M1 1m},
 * {@link #M5 5m}, {@link #M15 15m}, {@link #H1 1h}, {@link #H4 4h} and {@link #D1 1d} (also 2m,
 * 30m, 2h, 12h…; {@link #of(Duration)}, {@link #parse(String)}).
 *
 * <p>Buckets are aligned to the Unix epoch in UTC, as exchanges and TimescaleDB's {@code
 * time_bucket} align them: {@code bucketStart(t) = floor(t / duration) * duration}, counted from
 * 1970-01-01T00:00:00Z. So 1h buckets start on the hour, 4h buckets at 00:00, 04:00, … 20:00 UTC,
 * and 1d buckets at 00:00 UTC. A timeframe must divide a day so that every day starts a bucket;
 * weeks and months are not timeframes here (Binance's weeks start on Monday, the epoch was a
 * Thursday, and months have no fixed length).
 *
 * <p>The string form is {@code <n>m}, {@code <n>h} or {@code 1d}, the shortest that says it ({@code
 * toString()} gives {@code "1h"} for 60 minutes); {@link #parse(String)} reads it back. Timeframes
 * are equal when their lengths are, and order by length. Immutable; a record so that a {@link
 * Candle} stored as JSON holds it as {@code {"minutes":60}} without a Jackson module.
 *
 * @param minutes the length in minutes; divides 1,440
 */
public record Timeframe(int minutes) implements Comparable<Timeframe> {

  private static final int MINUTES_PER_DAY = 1_440;
  private static final Pattern FORMAT = Pattern.compile("([1-9][0-9]{0,3})([mhd])");

  /** One minute: the timeframe every other one is rolled up from. */
  public static final Timeframe M1 = new Timeframe(1);
  /** Five minutes. */
  public static final Timeframe M5 = new Timeframe(5);
  /** Fifteen minutes. */
  public static final Timeframe M15 = new Timeframe(15);
  /** One hour. */
  public static final Timeframe H1 = new Timeframe(60);
  /** Four hours, starting at 00:00, 04:00, … 20:00 UTC. */
  public static final Timeframe H4 = new Timeframe(240);
  /** One day, starting at 00:00 UTC. */
  public static final Timeframe D1 = new Timeframe(MINUTES_PER_DAY);

  private static final List<Timeframe> STANDARD = List.of(M1, M5, M15, H1, H4, D1);

  /**
   * The timeframe of {@code minutes} minutes; {@link #of(Duration)} and {@link #parse(String)} are
   * the usual ways in.
   *
   * @throws IllegalArgumentException unless {@code minutes} is positive and divides 1,440
   */
  public Timeframe {
    if (!dividesADay(minutes)) {
      throw new IllegalArgumentException(
          "a timeframe must be a whole number of minutes that divides a day (1440) but was " + minutes + " minutes");
    }
  }

  /** 1m, 5m, 15m, 1h, 4h and 1d, shortest first. */
  public static List<Timeframe> standard() {
    return STANDARD;
  }

  /**
   * The timeframe as long as {@code duration}.
   *
   * @throws IllegalArgumentException unless {@code duration} is a whole number of minutes that
   *     divides a day
   */
  public static Timeframe of(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (!duration.equals(Duration.ofMinutes(duration.toMinutes())) || !dividesADay(duration.toMinutes())) {
      throw new IllegalArgumentException(
          "a timeframe must be a whole number of minutes that divides a day but was " + duration);
    }
    return new Timeframe((int) duration.toMinutes());
  }

  /**
   * The timeframe written as {@code <n>m}, {@code <n>h} or {@code <n>d}: {@code "1m"}, {@code
   * "15m"}, {@code "4h"}, {@code "1d"}. Lower case only ({@code "1M"} is a month on exchanges);
   * {@code "60m"} is accepted and equals {@code "1h"}.
   *
   * @throws IllegalArgumentException naming {@code text} when it is not such a timeframe
   */
  public static Timeframe parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = FORMAT.matcher(text);
    if (m.matches()) {
      int n = Integer.parseInt(m.group(1));
      int unit = switch (m.group(2)) {
        case "m" -> 1;
        case "h" -> 60;
        default -> MINUTES_PER_DAY;
      };
      long minutes = (long) n * unit;
      if (dividesADay(minutes)) {
        return new Timeframe((int) minutes);
      }
    }
    throw new IllegalArgumentException(
        "not a timeframe: \"" + text + "\" (expected a whole number of minutes that divides a day,"
            + " written as 1m, 5m, 15m, 1h, 4h or 1d)");
  }

  private static boolean dividesADay(long minutes) {
    return minutes > 0 && minutes <= MINUTES_PER_DAY && MINUTES_PER_DAY % minutes == 0;
  }

  /** The length of one bucket. */
  public Duration duration() {
    return Duration.ofMinutes(minutes);
  }

  /**
   * The start of the bucket that holds {@code time}: the latest epoch-aligned boundary at or before
   * it (2024-01-01T13:47:30Z is in the 1h bucket of 13:00, the 4h bucket of 12:00 and the 1d bucket
   * of 00:00). Times before 1970 round down too.
   */
  public Instant bucketStart(Instant time) {
    Objects.requireNonNull(time, "time");
    long seconds = seconds();
    // Bucket boundaries are whole seconds, so the nanoseconds never move a time across one.
    return Instant.ofEpochSecond(Math.floorDiv(time.getEpochSecond(), seconds) * seconds);
  }

  /** The start of the bucket after the one that holds {@code time}: where that bucket ends. */
  public Instant nextBucketStart(Instant time) {
    return bucketStart(time).plusSeconds(seconds());
  }

  /** Whether {@code epochMillis} is the start of a bucket. */
  boolean isBucketStart(long epochMillis) {
    return Math.floorMod(epochMillis, millis()) == 0;
  }

  long millis() {
    return minutes * 60_000L;
  }

  private long seconds() {
    return minutes * 60L;
  }

  /** Shorter first. */
  @Override
  public int compareTo(Timeframe other) {
    return Integer.compare(minutes, other.minutes);
  }

  /** {@code "1m"}, {@code "15m"}, {@code "1h"}, {@code "4h"}, {@code "1d"}: what {@link #parse} reads. */
  @Override
  public String toString() {
    if (minutes == MINUTES_PER_DAY) {
      return "1d";
    }
    return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
  }
}
