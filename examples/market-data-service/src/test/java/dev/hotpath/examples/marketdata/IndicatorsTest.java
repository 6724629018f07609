package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Indicator values against figures worked out by hand (in the comments). */
class IndicatorsTest {
  private static final List<Double> CLOSES = List.of(10.0, 11.0, 12.0, 11.0, 10.0, 12.0);

  @Test
  void smaIsTheMeanOfTheLastPeriodCloses() {
    // (10+11+12)/3 = 11, (11+12+11)/3 = 11.333…, (12+11+10)/3 = 11, (11+10+12)/3 = 11
    assertThat(Indicators.compute(Indicators.Kind.SMA, 3, CLOSES))
        .containsExactly(List.of(11.0, 34.0 / 3, 11.0, 11.0).toArray(Double[]::new));
  }

  @Test
  void emaIsSeededWithTheSmaAndSmoothedWithTwoOverPeriodPlusOne() {
    // alpha = 2/(3+1) = 0.5; seed 11; 0.5·11 + 0.5·11 = 11; 0.5·10 + 0.5·11 = 10.5; 0.5·12 + 0.5·10.5 = 11.25
    assertThat(Indicators.compute(Indicators.Kind.EMA, 3, CLOSES)).containsExactly(11.0, 11.0, 10.5, 11.25);
  }

  @Test
  void smaCrossesAreWhereTheFastAverageChangesSidesOfTheSlowOne() {
    // closes 1 2 3 2 1 2 3; SMA2 from close 1: 1.5 2.5 2.5 1.5 1.5 2.5; SMA3 from close 2: 2 2.33 2 1.67 2
    // close 3: 2.5 > 2.33, as at close 2 (2.5 > 2): no cross; close 4: 1.5 < 2: down;
    // close 5: 1.5 < 1.67: still below; close 6: 2.5 > 2: up
    assertThat(Indicators.smaCrosses(2, 3, List.of(1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0)))
        .containsExactly(new Indicators.Cross(4, false), new Indicators.Cross(6, true));
  }

  @Test
  void rsiFollowsWildersSmoothing() {
    // changes +1 +1 −1 −1 +2; first gain 2/3, loss 1/3: RS 2, RSI 66.67;
    // then gain (2/3·2 + 0)/3 = 4/9, loss (1/3·2 + 1)/3 = 5/9: RS 0.8, RSI 44.44;
    // then gain (4/9·2 + 2)/3 = 26/27, loss (5/9·2)/3 = 10/27: RS 2.6, RSI 72.22
    List<Double> rsi = Indicators.compute(Indicators.Kind.RSI, 3, CLOSES);
    assertThat(rsi).hasSize(3);
    assertThat(rsi.get(0)).isCloseTo(100 - 100 / 3.0, within(1e-9));
    assertThat(rsi.get(1)).isCloseTo(100 - 100 / 1.8, within(1e-9));
    assertThat(rsi.get(2)).isCloseTo(100 - 100 / 3.6, within(1e-9));
  }

  @Test
  void rsiIsOneHundredWithoutALoss() {
    assertThat(Indicators.compute(Indicators.Kind.RSI, 2, List.of(1.0, 2.0, 3.0, 4.0))).containsExactly(100.0, 100.0);
  }

  @Test
  void eachValueBelongsToTheCloseAtItsFirstIndex() {
    assertThat(Indicators.Kind.SMA.firstIndex(3)).isEqualTo(2);
    assertThat(Indicators.Kind.EMA.firstIndex(3)).isEqualTo(2);
    assertThat(Indicators.Kind.RSI.firstIndex(3)).isEqualTo(3);
  }

  @Test
  void tooFewClosesGiveNoValueAndAPeriodBelowOneIsRefused() {
    assertThat(Indicators.compute(Indicators.Kind.SMA, 7, CLOSES)).isEmpty();
    assertThat(Indicators.compute(Indicators.Kind.EMA, 7, CLOSES)).isEmpty();
    assertThat(Indicators.compute(Indicators.Kind.RSI, 6, CLOSES)).isEmpty();
    assertThatThrownBy(() -> Indicators.compute(Indicators.Kind.SMA, 0, CLOSES))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period must be positive but was 0");
  }
}
