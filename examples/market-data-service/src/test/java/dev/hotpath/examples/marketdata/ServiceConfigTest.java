package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's configuration: the lookback, checked when built. */
class ServiceConfigTest {
  @Test
  void lookbackDefaultsToWhatOneKlinesCallReturns() {
    assertThat(ServiceConfig.builder().build().lookback).isEqualTo(Duration.ofMinutes(1_000));
  }

  @Test
  void lookbackIsReadFromTheEnvironmentInMinutes() {
    ServiceConfig config = ServiceConfig.fromEnvironment(Map.of("MARKET_DATA_LOOKBACK_MINUTES", "120")).build();

    assertThat(config.lookback).isEqualTo(Duration.ofMinutes(120));
  }

  @Test
  void lookbackOutsideOneTo1000WholeMinutesIsRefusedAtBuildNamingFieldAndValue() {
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMinutes(-5), Duration.ofMinutes(1_001),
        Duration.ofSeconds(90)}) {
      ServiceConfig.Builder builder = ServiceConfig.builder().lookback(bad);

      assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lookback").hasMessageContaining(bad.toString());
    }
  }
}
