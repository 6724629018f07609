package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TimeframeTest {

  private static final Instant T = Instant.parse("2024-01-01T13:47:30Z");

  @Test
  void bucketStartsAreTheHandComputedOnes() {
    assertThat(Timeframe.M1.bucketStart(T)).isEqualTo("2024-01-01T13:47:00Z");
    assertThat(Timeframe.M5.bucketStart(T)).isEqualTo("2024-01-01T13:45:00Z");
    assertThat(Timeframe.M15.bucketStart(T)).isEqualTo("2024-01-01T13:45:00Z");
    assertThat(Timeframe.H1.bucketStart(T)).isEqualTo("2024-01-01T13:00:00Z");
    assertThat(Timeframe.H4.bucketStart(T)).isEqualTo("2024-01-01T12:00:00Z");
    assertThat(Timeframe.D1.bucketStart(T)).isEqualTo("2024-01-01T00:00:00Z");
    assertThat(Timeframe.parse("30m").bucketStart(T)).isEqualTo("2024-01-01T13:30:00Z");
    assertThat(Timeframe.parse("12h").bucketStart(T)).isEqualTo("2024-01-01T12:00:00Z");
  }

  @Test
  void nextBucketStartIsWhereTheBucketEnds() {
    assertThat(Timeframe.M15.nextBucketStart(T)).isEqualTo("2024-01-01T14:00:00Z");
    assertThat(Timeframe.H4.nextBucketStart(T)).isEqualTo("2024-01-01T16:00:00Z");
    assertThat(Timeframe.D1.nextBucketStart(T)).isEqualTo("2024-01-02T00:00:00Z");
    assertThat(Timeframe.D1.nextBucketStart(Instant.parse("2024-12-31T23:59:59.999999999Z"))).isEqualTo("2025-01-01T00:00:00Z");
  }

  @Test
  void aBoundaryStartsItsOwnBucketAndNanosecondsBeforeItDoNot() {
    Instant boundary = Instant.parse("2024-01-01T16:00:00Z");
    assertThat(Timeframe.H4.bucketStart(boundary)).isEqualTo(boundary);
    assertThat(Timeframe.H4.bucketStart(boundary.minusNanos(1))).isEqualTo("2024-01-01T12:00:00Z");
    assertThat(Timeframe.H4.nextBucketStart(boundary)).isEqualTo("2024-01-01T20:00:00Z");
  }

  @Test
  void timesBeforeTheEpochRoundDownToo() {
    assertThat(Timeframe.H1.bucketStart(Instant.parse("1969-12-31T23:59:59Z"))).isEqualTo("1969-12-31T23:00:00Z");
    assertThat(Timeframe.H4.bucketStart(Instant.parse("1969-12-31T21:30:00Z"))).isEqualTo("1969-12-31T20:00:00Z");
    assertThat(Timeframe.D1.bucketStart(Instant.ofEpochSecond(-1, 500))).isEqualTo("1969-12-31T00:00:00Z");
  }

  /** Every timeframe, 20,000 random instants (before and after 1970), against calendar arithmetic. */
  @Test
  void bucketStartMatchesMidnightPlusWholeBucketsForEveryTimeframe() {
    Random random = new Random(20240101L);
    List<Timeframe> all = allTimeframes();
    assertThat(all).hasSize(36);
    for (int i = 0; i < 20_000; i++) {
      Timeframe timeframe = all.get(random.nextInt(all.size()));
      Instant time = Instant.ofEpochSecond(random.nextLong() % 8_000_000_000L, random.nextInt(1_000_000_000));
      ZonedDateTime utc = time.atZone(ZoneOffset.UTC);
      int minuteOfDay = utc.getHour() * 60 + utc.getMinute();
      Instant expected = utc.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant()
          .plus(Duration.ofMinutes(minuteOfDay / timeframe.minutes() * (long) timeframe.minutes()));
      assertThat(timeframe.bucketStart(time)).as("%s of %s", timeframe, time).isEqualTo(expected);
      assertThat(timeframe.nextBucketStart(time)).isEqualTo(expected.plus(timeframe.duration()));
    }
  }

  @Test
  void dailyBucketsStartAtMidnightUtcWhateverTheDay() {
    for (LocalDate day = LocalDate.of(2023, 12, 25); day.isBefore(LocalDate.of(2024, 3, 5)); day = day.plusDays(1)) {
      Instant midnight = day.atStartOfDay(ZoneOffset.UTC).toInstant();
      assertThat(Timeframe.D1.bucketStart(midnight.plusSeconds(86_399))).isEqualTo(midnight);
    }
  }

  @Test
  void parseReadsWhatToStringWritesForEveryTimeframe() {
    assertThat(Timeframe.standard()).extracting(Timeframe::toString).containsExactly("1m", "5m", "15m", "1h", "4h", "1d");
    assertThat(Timeframe.standard())
        .containsExactly(Timeframe.parse("1m"), Timeframe.parse("5m"), Timeframe.parse("15m"), Timeframe.parse("1h"),
            Timeframe.parse("4h"), Timeframe.parse("1d"));
    for (Timeframe timeframe : allTimeframes()) {
      assertThat(Timeframe.parse(timeframe.toString())).isEqualTo(timeframe);
    }
    assertThat(Timeframe.parse("90m")).hasToString("90m");
    assertThat(Timeframe.parse("120m")).hasToString("2h");
  }

  @Test
  void parseAcceptsLongerSpellingsOfTheSameLength() {
    assertThat(Timeframe.parse("60m")).isEqualTo(Timeframe.H1);
    assertThat(Timeframe.parse("24h")).isEqualTo(Timeframe.D1);
    assertThat(Timeframe.parse("1440m")).isEqualTo(Timeframe.D1);
  }

  @Test
  void parseRejectsWhatIsNotATimeframeNamingIt() {
    for (String bad : List.of("", "1", "m", "0m", "-1m", "7m", "1M", "1w", "2d", "25h", "1H", " 1h", "1h ", "01h",
        "1.5h", "99999999999m", "1mo")) {
      assertThatThrownBy(() -> Timeframe.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a timeframe: \"" + bad + "\"")
          .hasMessageContaining("1m, 5m, 15m, 1h, 4h or 1d");
    }
    assertThatThrownBy(() -> Timeframe.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
  }

  @Test
  void ofTakesWholeMinutesThatDivideADay() {
    assertThat(Timeframe.of(Duration.ofHours(4))).isEqualTo(Timeframe.H4);
    assertThat(Timeframe.of(Duration.ofDays(1))).isEqualTo(Timeframe.D1);
    assertThat(Timeframe.of(Duration.ofMinutes(30)).duration()).isEqualTo(Duration.ofMinutes(30));
    for (Duration bad : List.of(Duration.ZERO, Duration.ofMinutes(-5), Duration.ofSeconds(90), Duration.ofMinutes(7),
        Duration.ofDays(2), Duration.ofDays(7), Duration.ofMinutes(5).plusNanos(1))) {
      assertThatThrownBy(() -> Timeframe.of(bad))
          .as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a timeframe must be a whole number of minutes that divides a day but was " + bad);
    }
    assertThatThrownBy(() -> new Timeframe(7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a timeframe must be a whole number of minutes that divides a day (1440) but was 7 minutes");
  }

  @Test
  void timeframesAreEqualByLengthAndOrderedByIt() {
    assertThat(new Timeframe(60)).isEqualTo(Timeframe.H1).hasSameHashCodeAs(Timeframe.H1);
    assertThat(Timeframe.of(Duration.ofMinutes(15))).isEqualTo(Timeframe.M15);
    assertThat(Timeframe.H1).isNotEqualTo(Timeframe.H4);
    List<Timeframe> shuffled = new ArrayList<>(List.of(Timeframe.D1, Timeframe.M5, Timeframe.H4, Timeframe.M1, Timeframe.H1, Timeframe.M15));
    shuffled.sort(null);
    assertThat(shuffled).isEqualTo(Timeframe.standard());
    assertThat(Timeframe.M15.compareTo(Timeframe.parse("15m"))).isZero();
    assertThat(Timeframe.H1.duration()).isEqualTo(Duration.ofHours(1));
    assertThat(Timeframe.D1.minutes()).isEqualTo(1_440);
  }

  /** The 36 divisors of 1,440. */
  static List<Timeframe> allTimeframes() {
    TreeSet<Timeframe> all = new TreeSet<>();
    for (int minutes = 1; minutes <= 1_440; minutes++) {
      if (1_440 % minutes == 0) {
        all.add(new Timeframe(minutes));
      }
    }
    return List.copyOf(all);
  }
}
