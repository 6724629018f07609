package dev.hotpath.engine;

import static dev.hotpath.engine.CandleSeries.minute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;

class CandleRollupTest {

  private static final Instant LATER = Instant.parse("2030-01-01T00:00:00Z");

  private static final List<Candle> FIVE_MINUTES = List.of(
      minute("2024-01-01T13:00:00Z", "100.0", "101.5", "99.5", "101.0", "2.5"),
      minute("2024-01-01T13:01:00Z", "101.0", "103.0", "100.5", "102.5", "1.0"),
      minute("2024-01-01T13:02:00Z", "102.5", "102.5", "98.0", "98.5", "4.25"),
      minute("2024-01-01T13:03:00Z", "98.5", "99.0", "98.1", "98.8", "0"),
      minute("2024-01-01T13:04:00Z", "98.8", "100.0", "98.7", "99.9", "3.0"));

  @Test
  void aggregatesFirstOpenHighestHighLowestLowLastCloseAndSummedVolume() {
    assertThat(CandleRollup.rollUp(FIVE_MINUTES, Timeframe.M5, LATER))
        .containsExactly(candle(Timeframe.M5, "2024-01-01T13:00:00Z", "100.0", "103.0", "98.0", "99.9", "10.75", true));
    assertThat(CandleRollup.rollUp(FIVE_MINUTES, Timeframe.D1, LATER))
        .containsExactly(candle(Timeframe.D1, "2024-01-01T00:00:00Z", "100.0", "103.0", "98.0", "99.9", "10.75", true));
  }

  @Test
  void inputOrderDoesNotMatter() {
    List<Candle> shuffled = new ArrayList<>(FIVE_MINUTES);
    Collections.reverse(shuffled);
    assertThat(CandleRollup.rollUp(shuffled, Timeframe.M5, LATER)).isEqualTo(CandleRollup.rollUp(FIVE_MINUTES, Timeframe.M5, LATER));
    Collections.shuffle(shuffled, new Random(7));
    assertThat(CandleRollup.rollUp(Set.copyOf(shuffled), Timeframe.M5, LATER)).isEqualTo(CandleRollup.rollUp(FIVE_MINUTES, Timeframe.M5, LATER));
  }

  @Test
  void theBucketThatHoldsNowIsNotClosed() {
    List<Candle> minutes = List.of(
        minute("2024-01-01T13:58:00Z", "10", "11", "9", "10", "1"),
        minute("2024-01-01T13:59:00Z", "10", "12", "10", "11", "1"),
        minute("2024-01-01T14:00:00Z", "11", "11", "8", "9", "1"));
    assertThat(CandleRollup.rollUp(minutes, Timeframe.H1, Instant.parse("2024-01-01T14:00:40Z")))
        .extracting(Candle::start, Candle::closed)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Instant.parse("2024-01-01T13:00:00Z"), true),
            org.assertj.core.groups.Tuple.tuple(Instant.parse("2024-01-01T14:00:00Z"), false));
    // The end is exclusive: at 14:00:00 sharp the 13:00 bucket is over; a nanosecond before it is not.
    assertThat(CandleRollup.rollUp(minutes, Timeframe.H1, Instant.parse("2024-01-01T14:00:00Z")).get(0).closed()).isTrue();
    assertThat(CandleRollup.rollUp(minutes, Timeframe.H1, Instant.parse("2024-01-01T13:59:59.999999999Z")).get(0).closed()).isFalse();
    // Everything before the data's buckets ended: nothing is closed.
    assertThat(CandleRollup.rollUp(minutes, Timeframe.M1, Instant.parse("2024-01-01T13:00:00Z"))).noneMatch(Candle::closed);
  }

  @Test
  void aBucketIsNotClosedWhileOneOfItsMinutesIsNot() {
    List<Candle> minutes = new ArrayList<>(FIVE_MINUTES);
    Candle last = minutes.remove(4);
    minutes.add(new Candle(Timeframe.M1, last.openTime(), last.open(), last.high(), last.low(), last.close(), last.volume(), false));
    assertThat(CandleRollup.rollUp(minutes, Timeframe.M5, LATER).get(0).closed()).isFalse();
    assertThat(CandleRollup.rollUp(minutes, Timeframe.M1, LATER)).extracting(Candle::closed).containsExactly(true, true, true, true, false);
  }

  @Test
  void aBucketWithoutOneMinuteCandlesYieldsNoCandle() {
    List<Candle> minutes = List.of(
        minute("2024-01-01T12:58:00Z", "10", "11", "9", "10", "1"),
        minute("2024-01-01T12:59:00Z", "10", "12", "10", "11", "1"),
        minute("2024-01-01T15:01:00Z", "11", "11", "8", "9", "1"));
    assertThat(CandleRollup.rollUp(minutes, Timeframe.H1, LATER))
        .extracting(Candle::start)
        .containsExactly(Instant.parse("2024-01-01T12:00:00Z"), Instant.parse("2024-01-01T15:00:00Z"));
    assertThat(CandleRollup.rollUp(minutes, Timeframe.H4, LATER))
        .extracting(Candle::start)
        .containsExactly(Instant.parse("2024-01-01T12:00:00Z"));
  }

  @Test
  void aBucketWithSomeMinutesAggregatesTheOnesThatExist() {
    List<Candle> minutes = List.of(FIVE_MINUTES.get(1), FIVE_MINUTES.get(3)); // 13:00, 13:02 and 13:04 missing
    assertThat(CandleRollup.rollUp(minutes, Timeframe.M5, LATER))
        .containsExactly(candle(Timeframe.M5, "2024-01-01T13:00:00Z", "101.0", "103.0", "98.1", "98.8", "1.0", true));
  }

  @Test
  void rejectsCandlesOfAnotherTimeframe() {
    Candle fiveMinutes = CandleRollup.rollUp(FIVE_MINUTES, Timeframe.M5, LATER).get(0);
    List<Candle> mixed = new ArrayList<>(FIVE_MINUTES);
    mixed.add(fiveMinutes);
    assertThatThrownBy(() -> CandleRollup.rollUp(mixed, Timeframe.H1, LATER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a roll-up takes 1m candles but got a 5m candle: " + fiveMinutes);
  }

  @Test
  void rejectsTwoOneMinuteCandlesOfTheSameMinute() {
    List<Candle> twice = new ArrayList<>(FIVE_MINUTES);
    twice.add(minute("2024-01-01T13:02:00Z", "1", "1", "1", "1", "1"));
    assertThatThrownBy(() -> CandleRollup.rollUp(twice, Timeframe.M5, LATER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two 1m candles open at 2024-01-01T13:02:00Z");
  }

  @Test
  void nullsAreRejectedByName() {
    assertThatThrownBy(() -> CandleRollup.rollUp(null, Timeframe.H1, LATER)).hasMessage("oneMinute");
    assertThatThrownBy(() -> CandleRollup.rollUp(FIVE_MINUTES, (Timeframe) null, LATER)).hasMessage("target");
    assertThatThrownBy(() -> CandleRollup.rollUp(FIVE_MINUTES, Timeframe.H1, null)).hasMessage("now");
    assertThatThrownBy(() -> CandleRollup.rollUp(java.util.Arrays.asList(FIVE_MINUTES.get(0), null), Timeframe.H1, LATER))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("oneMinute contains null");
  }

  @Test
  void noMinutesGiveNoCandlesAndResultsAreUnmodifiable() {
    assertThat(CandleRollup.rollUp(List.of(), Timeframe.D1, LATER)).isEmpty();
    assertThat(CandleRollup.rollUp(List.of(), Timeframe.standard(), LATER))
        .containsOnlyKeys(Timeframe.standard())
        .allSatisfy((t, l) -> assertThat(l).isEmpty());
    List<Candle> hours = CandleRollup.rollUp(FIVE_MINUTES, Timeframe.H1, LATER);
    assertThatThrownBy(() -> hours.add(FIVE_MINUTES.get(0))).isInstanceOf(UnsupportedOperationException.class);
    Map<Timeframe, List<Candle>> all = CandleRollup.rollUp(FIVE_MINUTES, Timeframe.standard(), LATER);
    assertThat(all.keySet()).containsExactlyElementsOf(Timeframe.standard());
    assertThatThrownBy(all::clear).isInstanceOf(UnsupportedOperationException.class);
  }

  /**
   * 2,000 random 1m series (random walks of up to 2,500 minutes, missing minutes and outages,
   * one scale per series, now and then a minute not closed), shuffled, each rolled up to a random
   * one of the 36 timeframes at a random "now" (before, inside and after the data): equal to the
   * reference aggregation below, which buckets by calendar arithmetic instead.
   */
  @Test
  void rollUpEqualsAStraightforwardAggregationOnRandomSeries() {
    Random random = new Random(0x5EED_0010L);
    List<Timeframe> all = TimeframeTest.allTimeframes();
    double[] gapChances = {0, 0, 0.01, 0.1, 0.5, 0.9};
    int candles = 0;
    int closedCandles = 0;
    for (int i = 0; i < 2_000; i++) {
      Instant start = randomMinute(random);
      int length = random.nextInt(10) == 0 ? random.nextInt(3) : random.nextInt(2_500);
      List<Candle> series = CandleSeries.random(
          random, start, length, gapChances[random.nextInt(gapChances.length)], random.nextBoolean() ? 0 : 0.01);
      Instant now = start.plusSeconds(random.nextInt(60 * (length + 2_880)) - 86_400L).plusNanos(random.nextInt(1_000_000_000));
      Timeframe target = all.get(random.nextInt(all.size()));
      List<Candle> shuffled = new ArrayList<>(series);
      Collections.shuffle(shuffled, random);

      List<Candle> expected = reference(series, target, now);
      assertThat(CandleRollup.rollUp(shuffled, target, now))
          .as("case %d: %s from %d 1m candles starting %s, now %s", i, target, series.size(), start, now)
          .isEqualTo(expected);
      candles += expected.size();
      closedCandles += (int) expected.stream().filter(Candle::closed).count();

      if (i % 10 == 0) {
        Set<Timeframe> targets = new LinkedHashSet<>();
        for (int k = random.nextInt(4); k >= 0; k--) {
          targets.add(all.get(random.nextInt(all.size())));
        }
        Map<Timeframe, List<Candle>> byTimeframe = CandleRollup.rollUp(shuffled, targets, now);
        assertThat(byTimeframe.keySet()).containsExactlyInAnyOrderElementsOf(targets);
        int index = i;
        byTimeframe.forEach((t, derived) -> assertThat(derived).as("case %d, %s", index, t).isEqualTo(reference(series, t, now)));
      }
    }
    // The cases exercise both sides of the closed flag.
    assertThat(candles).isGreaterThan(50_000);
    assertThat(closedCandles).isBetween(candles / 10, candles - candles / 10);
  }

  /** A minute between 1965 and 2035. */
  private static Instant randomMinute(Random random) {
    long minutes = (long) (random.nextDouble() * 36_800_000L) - 2_600_000L;
    return Instant.ofEpochSecond(minutes * 60);
  }

  /** Groups by calendar arithmetic (midnight UTC plus whole buckets), then aggregates each group. */
  private static List<Candle> reference(List<Candle> minutes, Timeframe timeframe, Instant now) {
    TreeMap<Instant, List<Candle>> buckets = new TreeMap<>();
    for (Candle c : minutes) {
      ZonedDateTime utc = c.start().atZone(ZoneOffset.UTC);
      int minuteOfDay = utc.getHour() * 60 + utc.getMinute();
      Instant bucket = utc.toLocalDate().atStartOfDay(ZoneOffset.UTC)
          .plusMinutes(minuteOfDay - minuteOfDay % timeframe.minutes()).toInstant();
      buckets.computeIfAbsent(bucket, b -> new ArrayList<>()).add(c);
    }
    List<Candle> out = new ArrayList<>();
    buckets.forEach((bucket, group) -> {
      group.sort(Comparator.comparing(Candle::start));
      BigDecimal high = group.stream().map(Candle::high).reduce(BinaryOperator.maxBy(Comparator.naturalOrder())).orElseThrow();
      BigDecimal low = group.stream().map(Candle::low).reduce(BinaryOperator.minBy(Comparator.naturalOrder())).orElseThrow();
      BigDecimal volume = group.stream().map(Candle::volume).reduce(BigDecimal::add).orElseThrow();
      boolean over = !bucket.plus(timeframe.duration()).isAfter(now);
      boolean closed = over && group.stream().allMatch(Candle::closed);
      out.add(Candle.of(timeframe, bucket, group.get(0).open(), high, low, group.get(group.size() - 1).close(), volume, closed));
    });
    return out;
  }

  static Candle candle(Timeframe timeframe, String start, String open, String high, String low, String close, String volume, boolean closed) {
    return Candle.of(timeframe, Instant.parse(start), new BigDecimal(open), new BigDecimal(high), new BigDecimal(low),
        new BigDecimal(close), new BigDecimal(volume), closed);
  }
}
